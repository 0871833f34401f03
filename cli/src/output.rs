//! What commands print: one type per result, each `Serialize` (the JSON the
//! README documents) and `Display` (the text for people), so both outputs
//! come from the same value. The account views (`PoolView`, `PositionView`,
//! `OperatorView`) live in `views`, beside the code that loads them.
use std::fmt;

use anchor_lang::prelude::Pubkey;
use serde::Serialize;
use std::collections::HashMap;

use serde_json::{Map, Value};
use staking::state::{Pool, SlashSettings};
use staking_client::amount::{format_date, format_duration, format_when};
use staking_client::events::Event;
use staking_client::rpc::{HistoryEntry, Unavailable};

use crate::views::{format_bps, printable, OperatorView, PoolView, PositionView, TokenAmount};

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
        /// The slasher set in the same transaction (null: slashing off).
        slash_settings: Option<SlashSettingsChange>,
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
        /// New slash settings (null: unchanged).
        slash_settings: Option<SlashSettingsChange>,
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
    Slash {
        operator: String,
        bps: u16,
        /// The 32-byte reason carried in the `Slashed` event, as 64 hex characters.
        reason: String,
        /// The file whose SHA-256 is the reason (null: given as hex).
        reason_file: Option<String>,
    },
}

/// Slash settings a transaction sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlashSettingsChange {
    /// Who may slash (null: slashing turned off).
    pub slasher: Option<String>,
    /// The stake-mint token account slashed stake goes to (null when off).
    pub destination: Option<String>,
    /// The most one slash may take (0 when off).
    pub max_slash_bps: u16,
    /// When they take effect (Unix seconds): null at once; else the date the
    /// program's notice runs out (a new slasher or a higher maximum while
    /// anything is staked or unbonding). Projected on the cluster's clock
    /// before sending, with the program's own code.
    pub applies_at: Option<i64>,
}

impl SlashSettingsChange {
    pub fn new(settings: &SlashSettings, applies_at: Option<i64>) -> Self {
        let on = settings.slasher != Pubkey::default();
        SlashSettingsChange {
            slasher: on.then(|| settings.slasher.to_string()),
            destination: on.then(|| settings.destination.to_string()),
            max_slash_bps: settings.max_slash_bps,
            applies_at,
        }
    }

    /// For the summary: `slasher S may take up to 10.00% per slash, sent to
    /// D, at once` (or `from <DATE>`).
    pub fn sentence(&self, now: i64) -> String {
        let when = match self.applies_at {
            None => "at once".to_string(),
            Some(at) => format!(
                "from {} (announced ahead, as the pool holds stake: delegators can leave first)",
                format_when(at, now)
            ),
        };
        match (&self.slasher, &self.destination) {
            (Some(slasher), Some(destination)) => format!(
                "slasher {slasher} may take up to {} per slash, sent to {destination}, {when}",
                format_bps(self.max_slash_bps.into())
            ),
            _ => format!("slashing off, {when}"),
        }
    }
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
        #[serde(flatten)]
        reported: Reported,
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

/// What a command reports from the program's events in its landed
/// transaction, read with the pool's mints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// The tokens it paid the signer or restaked (claims, compounding,
    /// withdrawals, commission claims).
    Moved(PoolMints),
    /// What a slash took (`Slashed`).
    Slashed(PoolMints),
}

/// What the landed transaction's events said; a field is `null` when the
/// node's WebSocket did not deliver them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Reported {
    /// The command reports nothing from its events (no field).
    Nothing {},
    Moved {
        moved: Option<Vec<Movement>>,
    },
    Slashed {
        slashed: Option<Box<SlashReport>>,
    },
}

impl Reported {
    /// `events`: the program's events in the landed transaction, when observed.
    pub fn new(report: Option<&Report>, events: Option<&[Event]>) -> Self {
        match report {
            None => Reported::Nothing {},
            Some(Report::Moved(mints)) => Reported::Moved {
                moved: events.map(|events| movements(events, mints)),
            },
            Some(Report::Slashed(mints)) => Reported::Slashed {
                slashed: events.and_then(|events| {
                    events
                        .iter()
                        .find_map(|event| SlashReport::new(event, mints.stake))
                        .map(Box::new)
                }),
            },
        }
    }
}

/// What one slash took, from its `Slashed` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlashReport {
    pub operator: String,
    pub slasher: String,
    pub bps: u16,
    /// 64 hex characters.
    pub reason: String,
    /// Taken from the operator's delegators' earning stake.
    pub from_delegated: TokenAmount,
    /// Taken from the open unbond tickets unstaked from the operator.
    pub from_tickets: TokenAmount,
    /// Rounding earlier slashes left in the stake vault, owed to no one, sent along.
    pub dust: TokenAmount,
    /// Everything sent to `destination`: the three above.
    pub total: TokenAmount,
    pub destination: String,
    /// The operator's delegated stake after the slash.
    pub operator_delegated_after: TokenAmount,
    /// Stake in open tickets unstaked from the operator, after the slash.
    pub operator_unbonding_after: TokenAmount,
}

impl SlashReport {
    /// From a `Slashed` event (`None` for any other); `stake`: the pool's
    /// stake mint and its decimals.
    pub fn new(event: &Event, (_, decimals): (Pubkey, u8)) -> Option<Self> {
        if event.name != "Slashed" {
            return None;
        }
        let amount = |field: &str| {
            event
                .u64(field)
                .map(|units| TokenAmount::new(units, decimals))
        };
        let (from_delegated, from_tickets, dust) = (
            event.u64("from_delegated")?,
            event.u64("from_unbonding")?,
            event.u64("dust")?,
        );
        let total = from_delegated
            .checked_add(from_tickets)
            .and_then(|sum| sum.checked_add(dust))?;
        let reason: Vec<u8> = event
            .fields
            .get("reason")?
            .as_array()?
            .iter()
            .map(|byte| byte.as_u64().and_then(|byte| u8::try_from(byte).ok()))
            .collect::<Option<_>>()?;
        Some(SlashReport {
            operator: event.pubkey("operator")?.to_string(),
            slasher: event.pubkey("slasher")?.to_string(),
            bps: u16::try_from(event.u64("bps")?).ok()?,
            reason: to_hex(&reason),
            from_delegated: TokenAmount::new(from_delegated, decimals),
            from_tickets: TokenAmount::new(from_tickets, decimals),
            dust: TokenAmount::new(dust, decimals),
            total: TokenAmount::new(total, decimals),
            destination: event.pubkey("slash_destination")?.to_string(),
            operator_delegated_after: amount("operator_delegated")?,
            operator_unbonding_after: amount("operator_unbonding")?,
        })
    }

    /// What was taken and where it went, in plain words (the slash's line in
    /// its result and in `staking history`).
    pub fn sentence(&self) -> String {
        let dust = if self.dust.base_units > 0 {
            format!(" and {} of earlier slashes' rounding", self.dust.ui)
        } else {
            String::new()
        };
        format!(
            "took {} from delegated stake and {} from unbond tickets{dust}: {} sent to {}; the operator has {} delegated and {} in unbond tickets left",
            self.from_delegated.ui,
            self.from_tickets.ui,
            self.total.ui,
            self.destination,
            self.operator_delegated_after.ui,
            self.operator_unbonding_after.ui
        )
    }
}

/// Bytes as lowercase hex.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
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

    /// The mint and decimals of reward stream `index`.
    fn stream(&self, index: Option<u64>) -> Option<(Pubkey, u8)> {
        self.rewards.get(usize::try_from(index?).ok()?).copied()
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
                signature,
                reported,
                ..
            } => {
                writeln!(f, "{}", self.summary)?;
                match reported {
                    Reported::Nothing {} => {}
                    Reported::Moved { moved: None } | Reported::Slashed { slashed: None } => writeln!(
                        f,
                        "  sent; amounts not reported (the node's WebSocket did not deliver the transaction's logs)"
                    )?,
                    Reported::Moved {
                        moved: Some(movements),
                    } if movements.is_empty() => writeln!(f, "  no tokens moved")?,
                    Reported::Moved {
                        moved: Some(movements),
                    } => {
                        for movement in movements {
                            writeln!(f, "  {movement}")?;
                        }
                    }
                    Reported::Slashed {
                        slashed: Some(report),
                    } => writeln!(f, "  {}", report.sentence())?,
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

/// `staking history`: an address's transactions that call the program,
/// newest first.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    /// The address whose transactions are listed (for `--owner`, the
    /// owner's position in the pool).
    pub address: String,
    pub transactions: Vec<HistoryTransaction>,
    /// Listed transactions of the address that do not call the staking
    /// program (a wallet's transfers), left out.
    pub skipped: usize,
    /// Pass as `--before` for older transactions (null: there are none).
    pub older_before: Option<String>,
    /// The cluster's clock, for block times relative to it.
    #[serde(skip)]
    pub now: i64,
}

/// One transaction of [`History`].
#[derive(Debug, Clone, Serialize)]
pub struct HistoryTransaction {
    pub signature: String,
    pub slot: u64,
    /// Unix seconds (null when the node does not know the block's time).
    pub block_time: Option<i64>,
    pub succeeded: bool,
    /// Why it failed, decoded (null when it succeeded).
    pub error: Option<String>,
    /// The program's events in order (empty for a failed transaction, whose
    /// changes were rolled back); null when `unavailable` says why not.
    pub events: Option<Vec<HistoryEvent>>,
    /// `"not_served_yet"`: the node does not serve the transaction yet (a
    /// few seconds after it lands); `"no_logs"`: the node keeps no program
    /// logs; null: `events` are there.
    pub unavailable: Option<&'static str>,
}

/// A program event of a transaction, in plain words.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEvent {
    /// The event's name in the program (`Staked`, `RewardsClaimed`, …).
    pub name: String,
    /// What happened, in UI amounts: `staked 12.5 (pool total 100) by <OWNER>`.
    pub description: String,
    /// The amount the event moved, in `mint`'s UI units (null: none, or the
    /// mint's decimals are not known).
    pub amount: Option<TokenAmount>,
    pub mint: Option<String>,
    /// The event's fields as the IDL names them (amounts in base units).
    pub fields: Map<String, Value>,
}

impl History {
    /// `entries` as the SDK listed them (at most `limit`); `mints`: the
    /// pools the events name, for their mints' decimals.
    pub fn new(
        address: &Pubkey,
        entries: Vec<HistoryEntry>,
        limit: usize,
        mints: &HashMap<Pubkey, PoolMints>,
        now: i64,
    ) -> Self {
        let older_before = (entries.len() >= limit)
            .then(|| entries.last().map(|entry| entry.signature.to_string()))
            .flatten();
        let listed = entries.len();
        let transactions: Vec<HistoryTransaction> = entries
            .into_iter()
            .filter(|entry| {
                entry
                    .details
                    .as_ref()
                    .map_or(true, |details| details.invokes_program)
            })
            .map(|entry| HistoryTransaction {
                signature: entry.signature.to_string(),
                slot: entry.slot,
                block_time: entry.block_time,
                succeeded: entry.error.is_none(),
                error: entry.error,
                unavailable: entry.details.as_ref().err().map(|why| match why {
                    Unavailable::NotYet => "not_served_yet",
                    Unavailable::NoLogs => "no_logs",
                }),
                events: entry.details.ok().map(|details| {
                    details
                        .events
                        .iter()
                        .map(|event| HistoryEvent::new(event, mints))
                        .collect()
                }),
            })
            .collect();
        History {
            address: address.to_string(),
            skipped: listed - transactions.len(),
            transactions,
            older_before,
            now,
        }
    }
}

impl HistoryEvent {
    pub fn new(event: &Event, mints: &HashMap<Pubkey, PoolMints>) -> Self {
        let pool = event.pubkey("pool").and_then(|pool| mints.get(&pool));
        let key = |field: &str| {
            event
                .pubkey(field)
                .map_or_else(|| "?".to_string(), |key| key.to_string())
        };
        let number = |field: &str| event.u64(field).unwrap_or_default();
        let bps = |field: &str| format_bps(number(field));
        let stream = event.u64("stream_index");
        let stream_no = stream.map_or_else(|| "?".to_string(), |index| index.to_string());
        let stake = pool.map(|mints| mints.stake);
        let reward = event
            .pubkey("reward_mint")
            .map(|mint| (mint, pool.and_then(|mints| mints.decimals(&mint))))
            .or_else(|| {
                pool.and_then(|mints| mints.stream(stream))
                    .map(|(mint, decimals)| (mint, Some(decimals)))
            });
        // An amount field in a mint's UI units; base units when the
        // decimals are not known.
        let ui = |field: &str, decimals: Option<u8>| match decimals {
            Some(decimals) => TokenAmount::new(number(field), decimals).ui,
            None => format!("{} base units", number(field)),
        };
        let stake_ui = |field: &str| ui(field, stake.map(|(_, decimals)| decimals));
        let reward_ui = |field: &str| ui(field, reward.and_then(|(_, decimals)| decimals));
        let reward_mint = reward.map_or_else(|| "?".to_string(), |(mint, _)| mint.to_string());
        let owner = key("owner");
        let operator = key("operator");
        let name_of = || {
            printable(
                event
                    .fields
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
            )
        };
        let stake_amount = |field: &str| {
            stake.map(|(mint, decimals)| (mint, TokenAmount::new(number(field), decimals)))
        };
        let reward_amount = |field: &str| {
            reward.and_then(|(mint, decimals)| {
                decimals.map(|decimals| (mint, TokenAmount::new(number(field), decimals)))
            })
        };
        let (description, amount) = match event.name.as_str() {
            "PoolInitialized" => (
                format!(
                    "created the pool (id {}, stake mint {}, unbonding period {}, minimum stake {})",
                    number("pool_id"),
                    key("stake_mint"),
                    format_duration(number("unbonding_period")),
                    stake_ui("min_stake"),
                ),
                None,
            ),
            "PoolUpdated" => (
                format!(
                    "updated the pool (unbonding period {}, minimum stake {}, {}{})",
                    format_duration(number("unbonding_period")),
                    stake_ui("min_stake"),
                    match number("max_total_stake") {
                        staking::constants::NO_STAKE_CAP => "no stake cap".to_string(),
                        _ => format!("stake cap {}", stake_ui("max_total_stake")),
                    },
                    if event.fields.get("paused") == Some(&Value::Bool(true)) {
                        ", paused"
                    } else {
                        ""
                    },
                ),
                None,
            ),
            "AuthorityTransferProposed" => (
                match event.pubkey("pending_authority") {
                    Some(pending) => format!("proposed {pending} as the pool's authority"),
                    None => "cancelled the proposed authority transfer".to_string(),
                },
                None,
            ),
            "AuthorityTransferred" => (
                format!(
                    "the pool's authority passed from {} to {}",
                    key("previous_authority"),
                    key("new_authority")
                ),
                None,
            ),
            "RewardStreamAdded" => (
                format!("added reward stream {stream_no} paying {reward_mint}"),
                None,
            ),
            "RewardsFunded" => (
                format!(
                    "funded stream {stream_no} with {} of {reward_mint} for {} (until {})",
                    reward_ui("amount"),
                    format_duration(number("duration")),
                    format_date(event.fields.get("period_end").and_then(Value::as_i64).unwrap_or_default()),
                ),
                reward_amount("amount"),
            ),
            "PositionOpened" => (format!("opened a position for {owner}"), None),
            "PositionClosed" => (format!("closed the position of {owner}"), None),
            "Staked" => (
                format!(
                    "staked {} (position {}, pool total {}) by {owner}",
                    stake_ui("amount"),
                    stake_ui("position_staked"),
                    stake_ui("pool_staked")
                ),
                stake_amount("amount"),
            ),
            "Unstaked" => (
                format!(
                    "unstaked {} into unbond ticket {} unlocking {} by {owner}",
                    stake_ui("amount"),
                    key("ticket"),
                    format_date(event.fields.get("unlock_at").and_then(Value::as_i64).unwrap_or_default()),
                ),
                stake_amount("amount"),
            ),
            "Withdrawn" => (
                format!(
                    "withdrew {} from unbond ticket {} by {owner}",
                    stake_ui("amount"),
                    key("ticket")
                ),
                stake_amount("amount"),
            ),
            "UnbondCancelled" => (
                format!(
                    "cancelled unbond ticket {}: {} back to stake by {owner}",
                    key("ticket"),
                    stake_ui("amount")
                ),
                stake_amount("amount"),
            ),
            "RewardsClaimed" => (
                format!(
                    "claimed {} of {reward_mint} (stream {stream_no}) by {owner}",
                    reward_ui("amount")
                ),
                reward_amount("amount"),
            ),
            "RewardsCompounded" => (
                format!(
                    "compounded {} from stream {stream_no} into stake ({} staked) by {owner}",
                    stake_ui("amount"),
                    stake_ui("staked")
                ),
                stake_amount("staked"),
            ),
            "UndistributedRecovered" => (
                format!(
                    "recovered {} of {reward_mint} nobody was owed from stream {stream_no} to {}",
                    reward_ui("amount"),
                    key("destination")
                ),
                reward_amount("amount"),
            ),
            "OperatorRegistered" => (
                format!(
                    "registered operator {operator} \"{}\" at {} commission{}",
                    name_of(),
                    bps("commission_bps"),
                    if event.fields.get("active") == Some(&Value::Bool(true)) {
                        ""
                    } else {
                        ", awaiting the authority's approval"
                    }
                ),
                None,
            ),
            "OperatorUpdated" => (
                format!(
                    "updated operator {operator} (\"{}\", {} commission)",
                    name_of(),
                    bps("commission_bps")
                ),
                None,
            ),
            "OperatorStatusChanged" => (
                format!(
                    "{} operator {operator}",
                    if event.fields.get("active") == Some(&Value::Bool(true)) {
                        "activated"
                    } else {
                        "deactivated"
                    }
                ),
                None,
            ),
            "CommissionChangeScheduled" => (
                format!(
                    "operator {operator} scheduled its commission from {} to {} on {}",
                    bps("commission_bps"),
                    bps("pending_commission_bps"),
                    format_date(event.fields.get("effective_at").and_then(Value::as_i64).unwrap_or_default()),
                ),
                None,
            ),
            "CommissionChangeApplied" => (
                format!(
                    "operator {operator}'s commission went from {} to {}",
                    bps("previous_bps"),
                    bps("commission_bps")
                ),
                None,
            ),
            "CommissionClaimed" => (
                format!(
                    "operator {operator} claimed {} of {reward_mint} commission (stream {stream_no})",
                    reward_ui("amount")
                ),
                reward_amount("amount"),
            ),
            "Delegated" => (
                format!(
                    "{owner} delegated {} to operator {operator}",
                    stake_ui("amount")
                ),
                stake_amount("amount"),
            ),
            "Redelegated" => (
                format!(
                    "{owner} moved {} from operator {} to operator {}",
                    stake_ui("amount"),
                    key("from_operator"),
                    key("to_operator")
                ),
                stake_amount("amount"),
            ),
            "Undelegated" => (
                format!(
                    "{owner} undelegated {} from operator {operator}",
                    stake_ui("amount")
                ),
                stake_amount("amount"),
            ),
            "Slashed" => match stake.and_then(|stake| SlashReport::new(event, stake)) {
                Some(report) => (
                    format!(
                        "slasher {} slashed operator {operator} by {} (reason {}): {}",
                        report.slasher,
                        format_bps(report.bps.into()),
                        report.reason,
                        report.sentence()
                    ),
                    stake.map(|(mint, _)| (mint, report.total.clone())),
                ),
                // The pool could not be read: the fields as they are.
                None => (fields_as_they_are(event), None),
            },
            "SlashSettingsScheduled" => (
                format!(
                    "announced slasher {} (up to {} per slash, sent to {}) from {}",
                    key("slasher"),
                    bps("max_slash_bps"),
                    key("slash_destination"),
                    format_date(event.fields.get("effective_at").and_then(Value::as_i64).unwrap_or_default()),
                ),
                None,
            ),
            "SlashSettingsApplied" => (
                match event.pubkey("slasher") {
                    Some(slasher) if slasher != Pubkey::default() => format!(
                        "slasher {slasher} in force: up to {} per slash, sent to {}",
                        bps("max_slash_bps"),
                        key("slash_destination")
                    ),
                    _ => "slashing turned off".to_string(),
                },
                None,
            ),
            // An event added to the program later: its fields as they are.
            _ => (fields_as_they_are(event), None),
        };
        let (mint, amount) = match amount {
            Some((mint, amount)) => (Some(mint.to_string()), Some(amount)),
            None => (None, None),
        };
        HistoryEvent {
            name: event.name.clone(),
            description,
            amount,
            mint,
            fields: event.fields.clone(),
        }
    }
}

/// An event as its name and fields (`Name field=value …`), for events this
/// CLI does not describe.
fn fields_as_they_are(event: &Event) -> String {
    std::iter::once(event.name.clone())
        .chain(event.fields.iter().map(|(name, value)| match value {
            Value::String(text) => format!("{name}={}", printable(text)),
            other => format!("{name}={other}"),
        }))
        .collect::<Vec<_>>()
        .join(" ")
}

impl fmt::Display for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.transactions.is_empty() {
            writeln!(
                f,
                "No transactions of the staking program for {}",
                self.address
            )?;
        } else {
            writeln!(
                f,
                "Transactions of the staking program for {}, newest first:",
                self.address
            )?;
        }
        for tx in &self.transactions {
            let when = match tx.block_time {
                Some(time) => format_when(time, self.now),
                None => format!("slot {} (time not known)", tx.slot),
            };
            let status = match &tx.error {
                None => "succeeded".to_string(),
                Some(error) => format!("failed: {error}"),
            };
            writeln!(f, "{when}  {}  {status}", tx.signature)?;
            match &tx.events {
                None if tx.unavailable == Some("no_logs") => writeln!(
                    f,
                    "  details not available: the node keeps no program logs for its transactions, so their events cannot be read"
                )?,
                None => writeln!(
                    f,
                    "  details not available yet: the node does not serve this transaction yet (it landed moments ago); run again in a few seconds"
                )?,
                Some(events) if events.is_empty() && tx.succeeded => {
                    writeln!(f, "  no staking events")?
                }
                Some(events) => {
                    for event in events {
                        writeln!(f, "  {}", event.description)?;
                    }
                }
            }
        }
        if self.skipped > 0 {
            writeln!(
                f,
                "({} other transaction{} of this address, not calling the staking program, left out)",
                self.skipped,
                if self.skipped == 1 { "" } else { "s" }
            )?;
        }
        if let Some(before) = &self.older_before {
            writeln!(
                f,
                "Older: staking history {} --before {before}",
                self.address
            )?;
        }
        Ok(())
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
                reported: Reported::Moved { moved: None },
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

    #[test]
    fn slashes_and_slash_settings_read_in_plain_words() {
        let (pool, stake, operator, slasher, destination) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let mints = HashMap::from([(
            pool,
            PoolMints {
                stake: (stake, 6),
                rewards: vec![],
            },
        )]);
        let mut reason = vec![0u8; 32];
        reason[31] = 0xff;
        let slashed = event(
            "Slashed",
            json!({"pool": pool.to_string(), "operator": operator.to_string(),
                "slasher": slasher.to_string(), "bps": 1_000, "reason": reason,
                "from_delegated": 8_000_000u64, "from_unbonding": 2_000_000u64, "dust": 1,
                "slash_destination": destination.to_string(),
                "operator_delegated": 72_000_000u64, "operator_unbonding": 18_000_000u64}),
        );
        let described = HistoryEvent::new(&slashed, &mints);
        assert_eq!(
            described.description,
            format!(
                "slasher {slasher} slashed operator {operator} by 10.00% (reason {}ff): took 8 from delegated stake and 2 from unbond tickets and 0.000001 of earlier slashes' rounding: 10.000001 sent to {destination}; the operator has 72 delegated and 18 in unbond tickets left",
                "00".repeat(31)
            )
        );
        assert_eq!(
            described.amount,
            Some(TokenAmount::new(10_000_001, 6)),
            "everything the destination received"
        );
        assert_eq!(described.mint, Some(stake.to_string()));

        // A slash's result, from the same event: JSON and text.
        let report = Reported::new(
            Some(&Report::Slashed(mints[&pool].clone())),
            Some(std::slice::from_ref(&slashed)),
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["slashed"]["from_delegated"]["base_units"], 8_000_000);
        assert_eq!(json["slashed"]["from_tickets"]["ui"], "2");
        assert_eq!(json["slashed"]["total"]["base_units"], 10_000_001);
        assert_eq!(json["slashed"]["destination"], destination.to_string());
        assert_eq!(json["slashed"]["operator_delegated_after"]["ui"], "72");
        let unseen = Reported::new(Some(&Report::Slashed(mints[&pool].clone())), None);
        assert_eq!(
            serde_json::to_value(&unseen).unwrap(),
            json!({"slashed": null})
        );
        assert_eq!(
            serde_json::to_value(Reported::new(None, None)).unwrap(),
            json!({})
        );

        let scheduled = event(
            "SlashSettingsScheduled",
            json!({"pool": pool.to_string(), "slasher": slasher.to_string(),
                "slash_destination": destination.to_string(), "max_slash_bps": 2_000,
                "effective_at": 1_700_000_000}),
        );
        assert_eq!(
            HistoryEvent::new(&scheduled, &mints).description,
            format!("announced slasher {slasher} (up to 20.00% per slash, sent to {destination}) from 2023-11-14 22:13 UTC")
        );
        let applied = |slasher: Pubkey| {
            event(
                "SlashSettingsApplied",
                json!({"pool": pool.to_string(), "slasher": slasher.to_string(),
                    "slash_destination": destination.to_string(), "max_slash_bps": 1_000}),
            )
        };
        assert_eq!(
            HistoryEvent::new(&applied(slasher), &mints).description,
            format!("slasher {slasher} in force: up to 10.00% per slash, sent to {destination}")
        );
        assert_eq!(
            HistoryEvent::new(&applied(Pubkey::default()), &mints).description,
            "slashing turned off"
        );
    }

    #[test]
    fn history_reads_events_in_plain_words_with_ui_amounts() {
        use staking_client::rpc::{HistoryDetails, HistoryEntry};
        let (pool, stake, reward, owner) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let mints = HashMap::from([(
            pool,
            PoolMints {
                stake: (stake, 6),
                rewards: vec![(reward, 9)],
            },
        )]);
        let staked = event(
            "Staked",
            json!({"pool": pool.to_string(), "owner": owner.to_string(), "amount": 12_500_000u64,
                "position_staked": 12_500_000u64, "pool_staked": 100_000_000u64}),
        );
        let claimed = event(
            "RewardsClaimed",
            json!({"pool": pool.to_string(), "owner": owner.to_string(), "stream_index": 0,
                "reward_mint": reward.to_string(), "amount": 1_200_000_000u64}),
        );
        let signature = |byte| solana_signature::Signature::from([byte; 64]);
        let entry = |byte, events: Option<Vec<Event>>, error: Option<&str>| HistoryEntry {
            signature: signature(byte),
            slot: u64::from(byte),
            block_time: Some(1_700_000_000 - i64::from(byte)),
            error: error.map(str::to_string),
            details: events
                .map(|events| HistoryDetails {
                    invokes_program: true,
                    events,
                })
                .ok_or(Unavailable::NotYet),
        };
        let mut transfer = entry(5, Some(vec![]), None);
        transfer.details.as_mut().unwrap().invokes_program = false;
        let entries = vec![
            entry(1, None, None),
            entry(2, Some(vec![claimed]), None),
            entry(
                3,
                Some(vec![]),
                Some("program error TicketLocked (6013): locked"),
            ),
            transfer,
            entry(4, Some(vec![staked]), None),
        ];
        let address = Pubkey::new_unique();
        let history = History::new(&address, entries, 5, &mints, 1_700_000_060);
        assert_eq!(history.skipped, 1);
        assert_eq!(history.older_before, Some(signature(4).to_string()));
        let json = serde_json::to_value(&history).unwrap();
        assert_eq!(json["transactions"].as_array().unwrap().len(), 4);
        assert_eq!(json["transactions"][0]["events"], Value::Null);
        assert_eq!(json["transactions"][0]["unavailable"], "not_served_yet");
        assert_eq!(json["transactions"][1]["unavailable"], Value::Null);
        let claim = &json["transactions"][1]["events"][0];
        assert_eq!(claim["name"], "RewardsClaimed");
        assert_eq!(
            claim["amount"],
            json!({"ui": "1.2", "base_units": 1_200_000_000u64})
        );
        assert_eq!(claim["mint"], reward.to_string());
        assert_eq!(claim["fields"]["amount"], 1_200_000_000u64);
        assert_eq!(json["transactions"][2]["succeeded"], false);
        let staking = &json["transactions"][3]["events"][0];
        assert_eq!(staking["amount"]["base_units"], 12_500_000);
        assert_eq!(staking["mint"], stake.to_string());
        let text = history.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            format!("Transactions of the staking program for {address}, newest first:")
        );
        assert_eq!(
            lines[1],
            format!(
                "2023-11-14 22:13 UTC (1m 1s ago)  {}  succeeded",
                signature(1)
            )
        );
        assert!(
            lines[2].starts_with("  details not available yet"),
            "{text}"
        );
        assert_eq!(
            lines[4],
            format!("  claimed 1.2 of {reward} (stream 0) by {owner}")
        );
        assert!(lines[5].ends_with("failed: program error TicketLocked (6013): locked"));
        assert_eq!(
            lines[7],
            format!("  staked 12.5 (position 12.5, pool total 100) by {owner}")
        );
        assert_eq!(
            lines[8],
            "(1 other transaction of this address, not calling the staking program, left out)"
        );
        assert_eq!(
            lines[9],
            format!("Older: staking history {address} --before {}", signature(4))
        );
        // A pool that could not be read: base units, no amount object.
        let unknown = HistoryEvent::new(
            &event(
                "Withdrawn",
                json!({"pool": Pubkey::new_unique().to_string(),
                "owner": owner.to_string(), "ticket": owner.to_string(), "amount": 7}),
            ),
            &mints,
        );
        assert_eq!(
            unknown.description,
            format!("withdrew 7 base units from unbond ticket {owner} by {owner}")
        );
        assert!(unknown.amount.is_none());
    }
}
