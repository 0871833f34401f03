#!/usr/bin/env bash
# The main job: build the program and the tools, start a local validator with
# the program deployed, and run a staking demo through the `staking` CLI,
# printing what a user sees. The validator stops when the demo ends.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PORT="${STAKING_DEMO_PORT:-8899}"
DIR="target/localnet"
BIN="target/debug"
URL="http://127.0.0.1:$PORT"

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { echo "demo: error: $*" >&2; exit 1; }

bold "Building the program (SBF) and the tools"
bash scripts/setup.sh
bash scripts/build-sbf.sh
cargo build -p staking-cli -p staking-localnet

mkdir -p "$DIR"
bold "Starting the local validator on $URL"
"$BIN/staking-localnet" start --rpc-port "$PORT" --ledger "$DIR/ledger" --payer-out "$DIR/payer.json" \
    > "$DIR/validator.log" 2>&1 &
VALIDATOR_PID=$!
trap 'kill -TERM $VALIDATOR_PID 2>/dev/null || true; wait $VALIDATOR_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
    grep -q "Local validator ready" "$DIR/validator.log" 2>/dev/null && break
    kill -0 $VALIDATOR_PID 2>/dev/null || { cat "$DIR/validator.log" >&2; die "the validator exited"; }
    sleep 0.5
done
grep -q "Local validator ready" "$DIR/validator.log" || die "the validator did not start within 60 s"
cat "$DIR/validator.log"

localnet() { "$BIN/staking-localnet" "$@" --url "$URL" --payer "$DIR/payer.json"; }
staking() { echo "\$ staking $*" >&2; "$BIN/staking" -u "$URL" "$@"; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

bold "Five users (SOL from the validator's funded keypair)"
AUTHORITY=$(localnet create-user --out "$DIR/authority.json")
ALICE=$(localnet create-user --out "$DIR/alice.json")
BOB=$(localnet create-user --out "$DIR/bob.json")
OPERATOR_AUTHORITY=$(localnet create-user --out "$DIR/validator.json")
SLASHER=$(localnet create-user --out "$DIR/slasher.json")
echo "authority $AUTHORITY"; echo "alice     $ALICE"; echo "bob       $BOB"; echo "operator  $OPERATOR_AUTHORITY"
echo "slasher   $SLASHER"

bold "Mints: the stake token (SPL Token) and two reward tokens (SPL Token, Token-2022 with a freeze authority)"
STAKE_MINT=$(localnet create-mint --decimals 6 --mint-to "$ALICE=1000" --mint-to "$BOB=500")
REWARD_A=$(localnet create-mint --decimals 6 --mint-to "$AUTHORITY=100000")
REWARD_B=$(localnet create-mint --decimals 9 --token-2022 --freeze-authority --mint-to "$AUTHORITY=5000")
echo "stake mint  $STAKE_MINT"; echo "reward A    $REWARD_A"; echo "reward B    $REWARD_B"

bold "The protocol team creates a pool with a slasher (at most 10% a slash) and two reward streams, and funds them"
POOL=$(staking -k "$DIR/authority.json" --output json create-pool --mint "$STAKE_MINT" --pool-id 1 \
    --unbonding-period 20s --min-stake 1 --slasher "$SLASHER" --max-slash 10% | json_field '["pool"]')
staking -k "$DIR/authority.json" add-reward-stream "$POOL" "$REWARD_A"
echo "Reward B's mint has a freeze authority: refused unless the authority accepts it"
staking -k "$DIR/authority.json" add-reward-stream "$POOL" "$REWARD_B" && die "a freezable mint was added silently"
staking -k "$DIR/authority.json" add-reward-stream "$POOL" "$REWARD_B" --accept-freeze-authority
staking -k "$DIR/authority.json" fund "$POOL" --stream 0 --amount 36000 --duration 1h
staking -k "$DIR/authority.json" fund "$POOL" --stream 1 --amount 720 --duration 1h
staking pool "$POOL"

bold "Alice stakes 600, Bob stakes 200"
staking -k "$DIR/alice.json" stake "$POOL" 600
staking -k "$DIR/bob.json" stake "$POOL" 200

bold "An operator registers at 10% commission; Bob delegates his stake to it"
OPERATOR=$(staking -k "$DIR/validator.json" --output json operator register "$POOL" --commission 10% \
    --name validator-one | json_field '["operator"]')
staking -k "$DIR/bob.json" delegate "$POOL" "$OPERATOR"
staking operators "$POOL"

bold "Time passes (10 s): rewards accrue 3:1, and the operator takes 10% of Bob's"
sleep 10
staking -k "$DIR/alice.json" position "$POOL"
staking -k "$DIR/bob.json" position "$POOL"

bold "The operator misbehaves: the slasher takes 10% of the stake delegated to it"
echo "validator-one double-signed slot 1234" > "$DIR/evidence.txt"
staking -k "$DIR/slasher.json" slash "$POOL" "$OPERATOR" 10% --reason "$DIR/evidence.txt"
echo "Bob, delegated to it, now has 180 of his 200; Alice, not delegated, still has her 600:"
staking -k "$DIR/bob.json" position "$POOL"
staking -k "$DIR/alice.json" position "$POOL"
staking operators "$POOL"

bold "Alice claims both streams"
staking -k "$DIR/alice.json" claim "$POOL"

bold "Alice unstakes everything: a ticket that unlocks after the 20 s unbonding period"
staking -k "$DIR/alice.json" unstake "$POOL" ALL
staking -k "$DIR/alice.json" position "$POOL"
echo "Withdrawing now is refused:"
staking -k "$DIR/alice.json" withdraw "$POOL" && die "an early withdrawal succeeded"

bold "After the unbonding period (by the chain's clock) Alice withdraws"
for _ in $(seq 1 90); do
    left=$("$BIN/staking" -u "$URL" -k "$DIR/alice.json" --output json position "$POOL" | json_field '["tickets"][0]["seconds_left"]')
    [ "$left" = "0" ] && break
    sleep 1
done
staking -k "$DIR/alice.json" withdraw "$POOL"
staking -k "$DIR/alice.json" positions
staking pool "$POOL"

bold "The operator claims its commission"
staking -k "$DIR/validator.json" operator claim "$POOL"
staking operator show "$OPERATOR"

bold "The operator announces an increase to 12%: it can be applied after the 20 s notice, by the operator only"
staking -k "$DIR/validator.json" operator update "$POOL" --commission 12%
staking operator show "$OPERATOR"
for _ in $(seq 1 90); do
    due=$("$BIN/staking" -u "$URL" --output json operator show "$OPERATOR" | json_field '["pending_commission_due"]')
    [ "$due" = "True" ] && break
    sleep 1
done
staking -k "$DIR/validator.json" operator update "$POOL"
staking operator show "$OPERATOR"

bold "Alice's history in the pool, from the chain's transaction history"
staking history "$POOL" --owner "$ALICE" --limit 6

bold "Demo complete"
