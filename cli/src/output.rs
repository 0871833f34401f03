//! What commands print: one type per result, each `Serialize` (the JSON the
//! README documents) and `Display` (the text for people), so both outputs
//! come from the same value. The account views (`PoolView`, `PositionView`,
//! `OperatorView`) live in `views`, beside the code that loads them.
use std::fmt;

use anchor_lang::prelude::Pubkey;
use serde::{Serialize, Serializer};
use staking::state::Pool;
use staking_client::events::Event;

use crate::views::{OperatorView, PoolView, PositionView, TokenAmount};

/// A transaction command's own fields; `action` names it in JSON.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    CreatePool {
        stake_mint: String,
        pool_id: u64,
        creator: String,
        /// The stake mint's freeze authority (accepted), if it has one.
        stake_mint_freeze_authority: Option<String>,
        stake_mint_transfer_fee_authority: Option<String>,
    },
    AddRewardStream {
        stream: u8,
        reward_mint: String,
        freeze_authority: Option<String>,
        transfer_fee_authority: Option<String>,
    },
    Fund {
        stream: u8,
        /// Base units.
        amount: u64,
        /// Seconds.
        duration: u64,
    },
    Stake {
        amount: u64,
    },
    Unstake {
        amount: u64,
        ticket: String,
    },
    Withdraw {
        tickets: Vec<String>,
    },
    CancelUnbond {
        ticket: String,
    },
    Claim {
        streams: Vec<u8>,
    },
    Compound {
        stream: u8,
    },
    /// `None`: unchanged.
    UpdatePool {
        unbonding_period: Option<u64>,
        min_stake: Option<u64>,
        max_total_stake: Option<u64>,
        paused: Option<bool>,
        operator_approval_required: Option<bool>,
        max_commission_bps: Option<u16>,
        max_operator_share_bps: Option<u16>,
    },
    TransferAuthority {
        new_authority: String,
    },
    AcceptAuthority {},
    RecoverUndistributed {
        stream: u8,
        amount: u64,
    },
    ClosePosition {},
    OperatorRegister {
        operator: String,
        name: String,
        commission_bps: u16,
    },
    OperatorUpdate {
        operator: String,
        commission_bps: Option<u16>,
        name: Option<String>,
        /// A scheduled increase the instruction applies first (null: none due).
        applied_scheduled_commission_bps: Option<u16>,
    },
    OperatorActivate {
        operator: String,
    },
    OperatorDeactivate {
        operator: String,
    },
    OperatorClaim {
        operator: String,
        streams: Vec<u8>,
        applied_scheduled_commission_bps: Option<u16>,
    },
    Delegate {
        operator: String,
    },
    Redelegate {
        operator: String,
    },
    Undelegate {
        operator: String,
    },
}

/// A transaction command's result: what it does, then how it went.
#[derive(Debug, Clone, Serialize)]
pub struct TransactionResult {
    #[serde(flatten)]
    pub action: Action,
    pub pool: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The sentence people read (it names times and trust assumptions the
    /// JSON leaves to the reader).
    #[serde(skip)]
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    Sent {
        signature: String,
        compute_units: Option<u64>,
        #[serde(skip_serializing_if = "Moved::is_not_applicable")]
        moved: Moved,
    },
    Simulated {
        /// Always `true`: tells a dry run's JSON from a sent one's.
        dry_run: bool,
        compute_units: Option<u64>,
        logs: Vec<String>,
        /// The failure the simulation met (null: it would succeed).
        error: Option<String>,
    },
}

/// The tokens a claim, compound, withdrawal or commission claim moved, as the
/// program's events in the landed transaction say.
#[derive(Debug, Clone, PartialEq)]
pub enum Moved {
    /// The command moves no tokens to report (`moved` is left out).
    NotApplicable,
    /// The events could not be observed (`"moved": null`).
    NotReported,
    Reported(Vec<Movement>),
}

impl Moved {
    fn is_not_applicable(&self) -> bool {
        *self == Moved::NotApplicable
    }
}

impl Serialize for Moved {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Moved::Reported(movements) => movements.serialize(serializer),
            _ => serializer.serialize_none(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    /// Paid to the signer: rewards, commission or a withdrawn ticket.
    Received,
    /// Restaked into the position.
    Compounded,
}

/// One token movement of a transaction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Movement {
    pub kind: MovementKind,
    /// The reward stream (null for a withdrawal).
    pub stream: Option<u8>,
    /// The withdrawn ticket (null otherwise).
    pub ticket: Option<String>,
    pub mint: String,
    pub amount: TokenAmount,
}

/// A pool's mints and their decimals, to read the amounts its events report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolMints {
    pub stake: (Pubkey, u8),
    pub rewards: Vec<(Pubkey, u8)>,
}

impl PoolMints {
    pub fn of(pool: &Pool) -> Self {
        PoolMints {
            stake: (pool.stake_mint, pool.stake_decimals),
            rewards: pool
                .streams()
                .iter()
                .map(|s| (s.reward_mint, s.reward_decimals))
                .collect(),
        }
    }

    fn decimals(&self, mint: &Pubkey) -> Option<u8> {
        std::iter::once(&self.stake)
            .chain(&self.rewards)
            .find(|(m, _)| m == mint)
            .map(|(_, d)| *d)
    }
}

/// The movements `events` report, in order; other events are skipped.
pub fn movements(events: &[Event], mints: &PoolMints) -> Vec<Movement> {
    events
        .iter()
        .filter_map(|event| {
            let stream = event.u64("stream_index").map(|i| i as u8);
            let (kind, mint, amount, ticket) = match event.name.as_str() {
                "RewardsClaimed" | "CommissionClaimed" => (
                    MovementKind::Received,
                    event.pubkey("reward_mint")?,
                    event.u64("amount")?,
                    None,
                ),
                "Withdrawn" => (
                    MovementKind::Received,
                    mints.stake.0,
                    event.u64("amount")?,
                    event.pubkey("ticket"),
                ),
                // What the position gained (the vault-to-vault transfer may
                // have paid a transfer fee out of `amount`).
                "RewardsCompounded" => (
                    MovementKind::Compounded,
                    mints.stake.0,
                    event.u64("staked")?,
                    None,
                ),
                _ => return None,
            };
            Some(Movement {
                kind,
                stream,
                ticket: ticket.map(|t| t.to_string()),
                mint: mint.to_string(),
                amount: TokenAmount::new(amount, mints.decimals(&mint)?),
            })
        })
        .collect()
}

impl fmt::Display for Movement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match (&self.ticket, self.stream) {
            (Some(ticket), _) => format!(" (ticket {ticket})"),
            (None, Some(stream)) => format!(" (stream {stream})"),
            (None, None) => String::new(),
        };
        match self.kind {
            MovementKind::Received => {
                write!(f, "received {} of mint {}", self.amount.ui, self.mint)?
            }
            MovementKind::Compounded => write!(
                f,
                "compounded {} of mint {} into stake",
                self.amount.ui, self.mint
            )?,
        }
        write!(f, "{source}")
    }
}

impl fmt::Display for TransactionResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Outcome::Sent {
                signature, moved, ..
            } => {
                writeln!(f, "{}", self.summary)?;
                match moved {
                    Moved::NotApplicable => {}
                    Moved::NotReported => writeln!(
                        f,
                        "  sent; amounts not reported (the node's WebSocket did not deliver the transaction's logs)"
                    )?,
                    Moved::Reported(movements) if movements.is_empty() => {
                        writeln!(f, "  no tokens moved")?
                    }
                    Moved::Reported(movements) => {
                        for movement in movements {
                            writeln!(f, "  {movement}")?;
                        }
                    }
                }
                writeln!(f, "Signature: {signature}")
            }
            Outcome::Simulated {
                compute_units,
                logs,
                ..
            } => {
                writeln!(f, "{} (simulated, not sent)", self.summary)?;
                for line in logs {
                    writeln!(f, "  {line}")?;
                }
                match compute_units {
                    Some(units) => writeln!(f, "Compute units: {units}"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// `staking pools`: a list in JSON.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct PoolList(pub Vec<PoolView>);

impl fmt::Display for PoolList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return writeln!(f, "No pools found");
        }
        self.0.iter().try_for_each(|pool| write!(f, "{pool}"))
    }
}

/// `staking position`: the position, or `null` when the owner has none.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct PositionResult {
    #[serde(skip)]
    pub owner: Pubkey,
    #[serde(skip)]
    pub pool: Pubkey,
    pub position: Option<PositionView>,
}

impl fmt::Display for PositionResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.position {
            Some(position) => write!(f, "{position}"),
            None => writeln!(f, "{} has no position in pool {}", self.owner, self.pool),
        }
    }
}

/// `staking positions`: a list in JSON.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct PositionList {
    #[serde(skip)]
    pub owner: Pubkey,
    pub positions: Vec<PositionView>,
}

impl fmt::Display for PositionList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.positions.is_empty() {
            return writeln!(f, "{} has no positions", self.owner);
        }
        self.positions
            .iter()
            .try_for_each(|position| write!(f, "{position}"))
    }
}

/// `staking operators`: a table for people, a list in JSON.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct OperatorList {
    #[serde(skip)]
    pub pool: Pubkey,
    pub operators: Vec<OperatorView>,
}

impl fmt::Display for OperatorList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.operators.is_empty() {
            return writeln!(f, "Pool {} has no operators", self.pool);
        }
        f.write_str(&OperatorView::table(&self.operators))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(name: &str, fields: serde_json::Value) -> Event {
        let serde_json::Value::Object(fields) = fields else {
            unreachable!()
        };
        Event {
            name: name.to_string(),
            fields,
        }
    }

    #[test]
    fn movements_come_from_the_events_in_each_mints_units() {
        let (stake, reward, ticket) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let mints = PoolMints {
            stake: (stake, 6),
            rewards: vec![(reward, 9)],
        };
        let events = [
            event(
                "RewardsClaimed",
                json!({"stream_index": 0, "reward_mint": reward.to_string(), "amount": 1_500_000_000u64}),
            ),
            event("Staked", json!({"amount": 5})),
            event(
                "Withdrawn",
                json!({"ticket": ticket.to_string(), "amount": 2_500_000u64}),
            ),
            event(
                "RewardsCompounded",
                json!({"stream_index": 1, "amount": 10, "staked": 9}),
            ),
        ];
        let moved = movements(&events, &mints);
        assert_eq!(moved.len(), 3);
        assert_eq!(
            moved[0].to_string(),
            format!("received 1.5 of mint {reward} (stream 0)")
        );
        assert_eq!(
            moved[1].to_string(),
            format!("received 2.5 of mint {stake} (ticket {ticket})")
        );
        assert_eq!(moved[2].kind, MovementKind::Compounded);
        assert_eq!(moved[2].amount.base_units, 9);
    }

    #[test]
    fn transaction_json_keeps_the_documented_fields() {
        let result = TransactionResult {
            action: Action::Claim {
                streams: vec![0, 1],
            },
            pool: "P".into(),
            outcome: Outcome::Sent {
                signature: "S".into(),
                compute_units: Some(7),
                moved: Moved::NotReported,
            },
            summary: "Claim rewards from pool P".into(),
        };
        assert_eq!(
            serde_json::to_value(&result).unwrap(),
            json!({"action": "claim", "pool": "P", "streams": [0, 1], "signature": "S",
                "compute_units": 7, "moved": null})
        );
        assert_eq!(
            result.to_string(),
            "Claim rewards from pool P\n  sent; amounts not reported (the node's WebSocket did not deliver the transaction's logs)\nSignature: S\n"
        );
        let dry = TransactionResult {
            action: Action::OperatorDeactivate {
                operator: "O".into(),
            },
            pool: "P".into(),
            outcome: Outcome::Simulated {
                dry_run: true,
                compute_units: None,
                logs: vec![],
                error: None,
            },
            summary: String::new(),
        };
        assert_eq!(
            serde_json::to_value(&dry).unwrap(),
            json!({"action": "operator-deactivate", "pool": "P", "operator": "O", "dry_run": true,
                "compute_units": null, "logs": [], "error": null})
        );
        let accept = TransactionResult {
            action: Action::AcceptAuthority {},
            ..dry
        };
        assert_eq!(
            serde_json::to_value(&accept).unwrap()["action"],
            "accept-authority"
        );
    }
}
