// Run by `anchor migrate` after `anchor deploy`: creates the first pool with
// the staking CLI, against the cluster and wallet of Anchor.toml's [provider]
// (the wallet becomes the pool's creator, a seed of its address, and authority).
//
//   STAKE_MINT=<mint> [POOL_ID=0] [UNBONDING_PERIOD=7d] [MIN_STAKE=1] \
//     [ACCEPT_FREEZE_AUTHORITY=1] [ACCEPT_TRANSFER_FEE_AUTHORITY=1] anchor migrate
//
// ACCEPT_FREEZE_AUTHORITY=1 accepts a stake mint with a freeze authority (it
// could freeze the stake vault), ACCEPT_TRANSFER_FEE_AUTHORITY=1 a Token-2022
// stake mint with a transfer-fee authority (it could raise the fee on
// withdrawals); the pool records and shows each. Without them such a mint is
// refused.
//
// Uses the `staking` binary on PATH, or builds and runs it with cargo.
const { execFileSync } = require("child_process");

function stakingCommand(): [string, string[]] {
  try {
    execFileSync("staking", ["--version"], { stdio: "ignore" });
    return ["staking", []];
  } catch {
    return ["cargo", ["run", "--quiet", "-p", "staking-cli", "--"]];
  }
}

module.exports = async function (provider: any) {
  const mint = process.env.STAKE_MINT;
  if (!mint) {
    throw new Error("set STAKE_MINT to the mint holders will stake");
  }
  const wallet = process.env.ANCHOR_WALLET;
  if (!wallet) {
    throw new Error("ANCHOR_WALLET is not set (anchor migrate sets it from [provider])");
  }
  const args = [
    "-u", provider.connection.rpcEndpoint,
    "-k", wallet,
    "create-pool",
    "--mint", mint,
    "--pool-id", process.env.POOL_ID ?? "0",
    "--unbonding-period", process.env.UNBONDING_PERIOD ?? "7d",
  ];
  if (process.env.MIN_STAKE) {
    args.push("--min-stake", process.env.MIN_STAKE);
  }
  const enabled = (name) => ["1", "true", "yes"].includes((process.env[name] ?? "").toLowerCase());
  if (enabled("ACCEPT_FREEZE_AUTHORITY")) {
    args.push("--accept-freeze-authority");
  }
  if (enabled("ACCEPT_TRANSFER_FEE_AUTHORITY")) {
    args.push("--accept-transfer-fee-authority");
  }
  const [command, prefix] = stakingCommand();
  execFileSync(command, [...prefix, ...args], { stdio: "inherit" });
};
