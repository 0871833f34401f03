//! Read-only views of pools and positions, in the shape `--output json`
//! prints (documented in the README). Token amounts are strings in UI units
//! with the base-unit integer beside them.
use std::fmt;

use anchor_lang::prelude::Pubkey;
use serde::Serialize;
use staking::constants::{NO_SHARE_CAP, NO_STAKE_CAP};
use std::collections::HashMap;

use staking::state::{Delegation, Operator, Pool, Position, SlashSettings, UnbondTicket};

use staking_client::amount::{
    format_date, format_duration, format_duration_short, format_ui, format_when,
};
use staking_client::ClientError;
use staking_client::{instructions, pda, rewards, slashing};

use crate::session::Session;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TokenAmount {
    pub ui: String,
    pub base_units: u64,
}

impl TokenAmount {
    pub fn new(base_units: u64, decimals: u8) -> Self {
        TokenAmount {
            ui: format_ui(base_units, decimals),
            base_units,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StreamView {
    pub index: u8,
    pub reward_mint: String,
    pub reward_vault: String,
    /// Reward tokens emitted per second (UI units, rounded down).
    pub rate_per_second: TokenAmount,
    pub period_end: i64,
    /// Seconds until the period ends (0 once it has).
    pub seconds_left: u64,
    /// What the stream emits to all stakers per day now (0 after the period).
    pub emission_per_day: TokenAmount,
    /// Reward tokens one staked token earns in a year at the current rate and
    /// total stake, in each mint's UI units (an APR with no price feed);
    /// `null` when nothing is staked.
    pub reward_per_staked_token_per_year: Option<f64>,
    pub total_funded: TokenAmount,
    pub total_claimed: TokenAmount,
    /// The reward mint has a freeze authority, accepted when the stream was
    /// added (a trust assumption: it can freeze this stream's vault).
    pub freeze_authority_accepted: bool,
    /// The reward mint has a transfer-fee authority, accepted when the stream
    /// was added (a trust assumption: it can raise the fee on claims).
    pub transfer_fee_authority_accepted: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PoolView {
    /// The cluster's clock when read, for showing times relative to now.
    #[serde(skip)]
    pub now: i64,
    pub address: String,
    pub pool_id: u64,
    pub stake_mint: String,
    /// Who created the pool (a seed of its address; never changes).
    pub creator: String,
    pub authority: String,
    pub pending_authority: Option<String>,
    /// The stake mint has a freeze authority, accepted by the creator (a
    /// trust assumption: it can freeze the stake vault).
    pub stake_freeze_authority_accepted: bool,
    /// The stake mint has a transfer-fee authority, accepted by the creator (a
    /// trust assumption: it can raise the fee on withdrawals up to 100%).
    pub stake_transfer_fee_authority_accepted: bool,
    pub total_staked: TokenAmount,
    pub total_unbonding: TokenAmount,
    pub unbonding_period: u64,
    pub min_stake: TokenAmount,
    pub max_total_stake: Option<TokenAmount>,
    pub paused: bool,
    /// New operators wait for the authority's approval.
    pub operator_approval_required: bool,
    pub max_commission_bps: u16,
    /// `None`: no cap on one operator's share of the stake.
    pub max_operator_share_bps: Option<u16>,
    /// The slash settings in force (null: slashing is off).
    pub slashing: Option<SlashSettingsView>,
    /// Settings announced to apply later (null: none).
    pub pending_slashing: Option<PendingSlashSettingsView>,
    pub streams: Vec<StreamView>,
}

/// Who may slash the pool's operators, where slashed stake goes, and the most
/// one slash may take.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SlashSettingsView {
    pub slasher: String,
    /// The stake-mint token account slashed stake is sent to.
    pub destination: String,
    pub max_slash_bps: u16,
}

impl SlashSettingsView {
    /// `None` when the settings name no slasher (slashing off).
    pub fn new(settings: &SlashSettings) -> Option<Self> {
        (settings.slasher != Pubkey::default()).then(|| SlashSettingsView {
            slasher: settings.slasher.to_string(),
            destination: settings.destination.to_string(),
            max_slash_bps: settings.max_slash_bps,
        })
    }
}

impl fmt::Display for SlashSettingsView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "slasher {} may take up to {} per slash, sent to {}",
            self.slasher,
            format_bps(self.max_slash_bps.into()),
            self.destination
        )
    }
}

/// Slash settings announced ahead, to apply once the program's notice runs out.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PendingSlashSettingsView {
    #[serde(flatten)]
    pub settings: SlashSettingsView,
    /// When they apply (Unix seconds).
    pub applies_at: i64,
    pub seconds_left: u64,
}

/// An operator's slashes so far.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SlashRecordView {
    /// Stake all its slashes took (from delegated stake and from tickets).
    pub total_slashed: TokenAmount,
    pub slash_count: u32,
    /// The last slash's time (Unix seconds) and rate; null when never slashed.
    pub last_slash_at: Option<i64>,
    pub last_slash_bps: Option<u16>,
    /// The cluster's clock when read, for times relative to it.
    #[serde(skip)]
    pub now: i64,
}

impl SlashRecordView {
    pub fn new(operator: &Operator, stake_decimals: u8, now: i64) -> Self {
        let slashed = operator.slash_count > 0;
        SlashRecordView {
            total_slashed: TokenAmount::new(operator.total_slashed, stake_decimals),
            slash_count: operator.slash_count,
            last_slash_at: slashed.then_some(operator.last_slash_at),
            last_slash_bps: slashed.then_some(operator.last_slash_bps),
            now,
        }
    }

    /// The last slash, for a table: `10.00% 5m 3s ago` (`-` when never slashed).
    fn last_short(&self) -> String {
        match (self.last_slash_bps, self.last_slash_at) {
            (Some(bps), Some(at)) => format!(
                "{} {} ago",
                format_bps(bps.into()),
                format_duration_short(self.now.saturating_sub(at).max(0) as u64)
            ),
            _ => "-".to_string(),
        }
    }
}

impl fmt::Display for SlashRecordView {
    /// `10 in 1 slash, the last 10.00% on <DATE> (5m ago)`, or `never`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.last_slash_bps, self.last_slash_at) {
            (Some(bps), Some(at)) => write!(
                f,
                "{} in {} slash{}, the last {} on {}",
                self.total_slashed.ui,
                self.slash_count,
                if self.slash_count == 1 { "" } else { "es" },
                format_bps(bps.into()),
                format_when(at, self.now)
            ),
            _ => f.write_str("never"),
        }
    }
}

impl PoolView {
    /// `now`: the cluster's clock, for showing times relative to it.
    pub fn new(address: &Pubkey, pool: &Pool, now: i64) -> Self {
        let d = pool.stake_decimals;
        PoolView {
            now,
            address: address.to_string(),
            pool_id: pool.pool_id,
            stake_mint: pool.stake_mint.to_string(),
            creator: pool.creator.to_string(),
            authority: pool.authority.to_string(),
            pending_authority: pool.pending_authority().map(|a| a.to_string()),
            stake_freeze_authority_accepted: pool.stake_freeze_authority_accepted != 0,
            stake_transfer_fee_authority_accepted: pool.stake_transfer_fee_authority_accepted != 0,
            total_staked: TokenAmount::new(pool.total_staked, d),
            total_unbonding: TokenAmount::new(pool.total_unbonding, d),
            unbonding_period: pool.unbonding_period,
            min_stake: TokenAmount::new(pool.min_stake, d),
            max_total_stake: (pool.max_total_stake != NO_STAKE_CAP)
                .then(|| TokenAmount::new(pool.max_total_stake, d)),
            paused: pool.is_paused(),
            operator_approval_required: pool.operator_approval_required != 0,
            max_commission_bps: pool.max_commission_bps,
            max_operator_share_bps: (pool.max_operator_share_bps < NO_SHARE_CAP)
                .then_some(pool.max_operator_share_bps),
            slashing: SlashSettingsView::new(&pool.slash_settings_at(now)),
            // Pending settings whose notice ran out are in force already.
            pending_slashing: pool
                .pending_slash_settings()
                .filter(|(_, at)| now < *at)
                .and_then(|(settings, at)| {
                    Some(PendingSlashSettingsView {
                        settings: SlashSettingsView::new(&settings)?,
                        applies_at: at,
                        seconds_left: at.saturating_sub(now).max(0) as u64,
                    })
                }),
            streams: pool
                .streams()
                .iter()
                .enumerate()
                .map(|(index, s)| StreamView {
                    index: index as u8,
                    reward_mint: s.reward_mint.to_string(),
                    reward_vault: s.reward_vault.to_string(),
                    rate_per_second: TokenAmount::new(
                        u64::try_from(s.rate_q.get() >> 64).unwrap_or(u64::MAX),
                        s.reward_decimals,
                    ),
                    period_end: s.period_end,
                    seconds_left: s.period_end.saturating_sub(now).max(0) as u64,
                    emission_per_day: TokenAmount::new(
                        rewards::emission_per_day(s, now),
                        s.reward_decimals,
                    ),
                    reward_per_staked_token_per_year: rewards::reward_per_staked_token_per_year(
                        pool, s, now,
                    ),
                    total_funded: TokenAmount::new(s.total_funded, s.reward_decimals),
                    total_claimed: TokenAmount::new(s.total_claimed, s.reward_decimals),
                    freeze_authority_accepted: s.freeze_authority_accepted != 0,
                    transfer_fee_authority_accepted: s.transfer_fee_authority_accepted != 0,
                })
                .collect(),
        }
    }
}

/// The bidirectional embedding, override and isolate characters (U+202A to
/// U+202E, U+2066 to U+2069), which reorder the text around them on screen.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Text read from the chain (an operator's name, set by anyone), safe to print
/// on a terminal: control characters and bidirectional overrides are shown
/// escaped instead of moving the cursor or reordering the line.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || is_bidi_control(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

impl fmt::Display for PoolView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = format!(
                "Pool {}\n  stake mint:       {}\n  pool id:          {}\n  creator:          {}\n  authority:        {}{}\n  total staked:     {}\n  total unbonding:  {}\n  unbonding period: {}\n  minimum stake:    {}\n  stake cap:        {}\n  paused:           {}\n  operators:        {}, commission at most {}, {}\n  stake mint freeze authority: {}\n  stake mint transfer-fee authority: {}\n",
                self.address,
                self.stake_mint,
                self.pool_id,
                self.creator,
                self.authority,
                self.pending_authority.as_ref().map(|p| format!(" (pending: {p})")).unwrap_or_default(),
                self.total_staked.ui,
                self.total_unbonding.ui,
                format_duration(self.unbonding_period),
                self.min_stake.ui,
                self.max_total_stake.as_ref().map(|c| c.ui.clone()).unwrap_or_else(|| "none".into()),
                self.paused,
                if self.operator_approval_required { "need approval" } else { "open registration" },
                format_bps(self.max_commission_bps.into()),
                self.max_operator_share_bps.map(|bps| format!("share at most {}", format_bps(bps.into()))).unwrap_or_else(|| "no cap on one operator's share".into()),
                freeze_authority_text(self.stake_freeze_authority_accepted, "the stake vault"),
                transfer_fee_authority_text(self.stake_transfer_fee_authority_accepted, "withdrawals"),
            );
        out += &match (&self.slashing, &self.pending_slashing) {
            (Some(settings), _) => format!("  slashing:         {settings}\n"),
            (None, Some(pending)) => format!(
                "  slashing:         none in force yet; slasher {} announced, may take up to {} per slash from {}, sent to {}\n",
                pending.settings.slasher,
                format_bps(pending.settings.max_slash_bps.into()),
                format_when(pending.applies_at, self.now),
                pending.settings.destination
            ),
            (None, None) => "  slashing:         off (nobody can slash operators)\n".to_string(),
        };
        if let (Some(_), Some(pending)) = (&self.slashing, &self.pending_slashing) {
            out += &format!(
                "  slashing pending: {} from {}\n",
                pending.settings,
                format_when(pending.applies_at, self.now)
            );
        }
        if self.slashing.is_some() || self.pending_slashing.is_some() {
            out += "                    (the pool can slash its operators: delegated stake leaves its operator only through an unbond ticket, answerable to its slashes until withdrawn or cancelled)\n";
        }
        for s in &self.streams {
            out += &format!(
                    "  stream {}: mint {} rate {}/s until {} funded {} claimed {}\n    emits {}/day; {} a year per staked token at the current rate and stake, while the period runs\n    reward mint freeze authority: {}\n    reward mint transfer-fee authority: {}\n",
                    s.index,
                    s.reward_mint,
                    s.rate_per_second.ui,
                    format_when(s.period_end, self.now),
                    s.total_funded.ui,
                    s.total_claimed.ui,
                    s.emission_per_day.ui,
                    s.reward_per_staked_token_per_year
                        .map(format_rate)
                        .unwrap_or_else(|| "nothing staked yet, so no rate".to_string()),
                    freeze_authority_text(s.freeze_authority_accepted, "this stream's vault"),
                    transfer_fee_authority_text(s.transfer_fee_authority_accepted, "claims"),
                );
        }
        f.write_str(&out)
    }
}

/// A projected yearly rate, with four significant digits: `12.35`, `0.0004213`.
fn format_rate(rate: f64) -> String {
    if rate == 0.0 || !rate.is_finite() {
        return "0".to_string();
    }
    let digits = (3 - rate.abs().log10().floor() as i32).max(0) as usize;
    format!("{rate:.digits$}")
}

/// A mint's freeze authority as a trust assumption, in plain words. A mint
/// cannot gain a freeze authority later, so "none" holds for good.
fn freeze_authority_text(accepted: bool, vault: &str) -> String {
    if accepted {
        format!("accepted (the mint's freeze authority can freeze {vault})")
    } else {
        "none (the mint has no freeze authority)".to_string()
    }
}

/// A mint's transfer-fee authority as a trust assumption, in plain words. A
/// mint cannot gain one later, so "none" holds for good (a fixed fee may
/// still apply; the pool credits what it receives).
fn transfer_fee_authority_text(accepted: bool, exits: &str) -> String {
    if accepted {
        format!(
            "accepted (the mint's transfer-fee authority can raise the fee on {exits} up to 100%)"
        )
    } else {
        "none (nobody can change the mint's transfer fee)".to_string()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TicketView {
    pub address: String,
    pub pool: String,
    /// What was unstaked into it.
    pub amount: TokenAmount,
    /// What it pays now (withdrawn, or returned to stake when cancelled):
    /// `amount` less what slashes of its operator took since the unstake.
    pub value: TokenAmount,
    pub unlock_at: i64,
    /// Seconds until it can be withdrawn (0 when unlocked).
    pub seconds_left: u64,
    /// The operator the stake was delegated to when unstaked (null: none).
    /// Cancelling returns it to that operator without a share-cap check.
    pub operator: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PendingReward {
    pub stream: u8,
    pub reward_mint: String,
    pub amount: TokenAmount,
}

#[derive(Debug, Clone, Serialize)]
pub struct PositionView {
    pub address: String,
    pub pool: String,
    pub owner: String,
    pub staked: TokenAmount,
    /// What the delegated operator's slashes took from `staked` since the
    /// position's last transaction (its on-chain `staked` less what its
    /// shares are worth now); `None` when nothing.
    pub slashed_since_last_transaction: Option<TokenAmount>,
    /// What a claim now would pay, per stream.
    pub pending_rewards: Vec<PendingReward>,
    /// The operator the stake is delegated to, if any.
    pub operator: Option<String>,
    /// What the operator's commission has taken from this position's rewards
    /// during its current delegation, per stream, up to now (whole base
    /// units, rounded down); `None` when the position is not delegated.
    pub commission_paid: Option<Vec<PendingReward>>,
    /// What the position earns per day now, per stream, at the current rate,
    /// total stake and commission (a projection).
    pub earning_per_day: Vec<PendingReward>,
    /// The pool can slash (a slasher in force or announced): delegated stake
    /// leaves its operator only through an unbond ticket.
    pub pool_can_slash: bool,
    /// The slashes of the operator the stake is delegated to (null when not
    /// delegated).
    pub operator_slashes: Option<SlashRecordView>,
    /// The delegated operator was slashed 100%: it takes no more stake.
    pub operator_slashed_out: bool,
    pub tickets: Vec<TicketView>,
}

impl PositionView {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        program_id: &Pubkey,
        pool_address: &Pubkey,
        pool: &Pool,
        position: &Position,
        delegated: Option<&(Pubkey, Operator, Delegation)>,
        tickets: &[(Pubkey, UnbondTicket)],
        ticket_operators: &HashMap<Pubkey, Operator>,
        now: i64,
    ) -> Result<Self, ClientError> {
        let settled = rewards::settled_position(
            pool,
            position,
            delegated.map(|(_, operator, delegation)| (operator, delegation)),
            now,
        )?;
        let per_stream = |amounts: &mut dyn Iterator<Item = u64>| {
            pool.streams()
                .iter()
                .zip(amounts)
                .enumerate()
                .map(|(i, (stream, amount))| PendingReward {
                    stream: i as u8,
                    reward_mint: stream.reward_mint.to_string(),
                    amount: TokenAmount::new(amount, stream.reward_decimals),
                })
                .collect::<Vec<_>>()
        };
        let commission_paid = settled.commission_paid(pool.streams().len());
        let commission_bps = delegated.map_or(0, |(_, operator, _)| operator.commission_in_force());
        // A delegated position's stake as its shares are worth now (after
        // any slash since it last settled).
        let staked = settled.position.staked;
        let earning = pool
            .streams()
            .iter()
            .map(|stream| rewards::earning_per_day(pool, stream, staked, commission_bps, now));
        let ticket_views = tickets
            .iter()
            .filter(|(_, t)| t.pool == *pool_address)
            .map(|(address, t)| {
                let operator = instructions::ticket_operator(t)
                    .map(|key| {
                        ticket_operators.get(&key).ok_or_else(|| {
                            ClientError::invalid(format!(
                                "operator {key} of ticket {address} was not read"
                            ))
                        })
                    })
                    .transpose()?;
                Ok(TicketView {
                    address: address.to_string(),
                    pool: t.pool.to_string(),
                    amount: TokenAmount::new(t.amount, pool.stake_decimals),
                    value: TokenAmount::new(
                        slashing::ticket_value(t, operator)?,
                        pool.stake_decimals,
                    ),
                    unlock_at: t.unlock_at,
                    seconds_left: t.unlock_at.saturating_sub(now).max(0) as u64,
                    operator: (t.operator != Pubkey::default()).then(|| t.operator.to_string()),
                })
            })
            .collect::<Result<Vec<_>, ClientError>>()?;
        Ok(PositionView {
            address: pda::position(program_id, pool_address, &position.owner).to_string(),
            pool: pool_address.to_string(),
            owner: position.owner.to_string(),
            staked: TokenAmount::new(staked, pool.stake_decimals),
            slashed_since_last_transaction: (delegated.is_some() && staked < position.staked)
                .then(|| TokenAmount::new(position.staked - staked, pool.stake_decimals)),
            pending_rewards: per_stream(&mut settled.position.rewards.iter().map(|r| r.owed)),
            operator: delegated.map(|(address, _, _)| address.to_string()),
            commission_paid: commission_paid.map(|paid| per_stream(&mut paid.into_iter())),
            earning_per_day: per_stream(&mut earning.collect::<Vec<_>>().into_iter()),
            pool_can_slash: pool.slashing_possible(),
            operator_slashes: delegated
                .map(|(_, operator, _)| SlashRecordView::new(operator, pool.stake_decimals, now)),
            operator_slashed_out: delegated
                .is_some_and(|(_, operator, _)| operator.is_slashed_out()),
            tickets: ticket_views,
        })
    }
}

/// One reward stream's commission figures for an operator.
#[derive(Debug, Clone, Serialize)]
pub struct CommissionView {
    pub stream: u8,
    pub reward_mint: String,
    /// Not yet claimed: what `claim_commission` would pay now (whole base
    /// units; the operator's sync projected to now).
    pub owed: TokenAmount,
    pub claimed: TokenAmount,
}

impl fmt::Display for PositionView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slashed = match (&self.slashed_since_last_transaction, &self.operator) {
            (Some(taken), Some(operator)) => format!(
                " ({} taken by operator {operator}'s slashes since your last transaction)",
                taken.ui
            ),
            _ => String::new(),
        };
        let mut out = format!(
            "Position {} in pool {}\n  owner:  {}\n  staked: {}{slashed}\n",
            self.address, self.pool, self.owner, self.staked.ui
        );
        for (reward, daily) in self.pending_rewards.iter().zip(&self.earning_per_day) {
            out += &format!(
                "  pending stream {} ({}): {} (earning {}/day now)\n",
                reward.stream, reward.reward_mint, reward.amount.ui, daily.amount.ui
            );
        }
        match &self.operator {
            Some(operator) => out += &format!("  delegated to operator {operator}\n"),
            None => out += "  not delegated\n",
        }
        if let Some(slashes) = &self.operator_slashes {
            out += &format!("  operator slashed: {slashes}\n");
            if self.operator_slashed_out {
                out += &format!("  the operator was slashed 100% and takes no more stake; your position there holds nothing: undelegate (staking undelegate {}) to stake elsewhere\n", self.pool);
            } else if self.pool_can_slash && self.staked.base_units > 0 {
                out += "  the pool can slash its operators: this stake leaves the operator only through an unbond ticket (staking unstake)\n";
            }
        }
        for paid in self.commission_paid.iter().flatten() {
            out += &format!(
                "  commission paid in this delegation, stream {} ({}): {}\n",
                paid.stream, paid.reward_mint, paid.amount.ui
            );
        }
        for ticket in &self.tickets {
            let state = if ticket.seconds_left == 0 {
                "unlocked".to_string()
            } else {
                format!(
                    "unlocks {}",
                    format_when(
                        ticket.unlock_at,
                        ticket.unlock_at - ticket.seconds_left as i64
                    )
                )
            };
            let operator = ticket
                .operator
                .as_ref()
                .map(|operator| format!(", unstaked from operator {operator}"))
                .unwrap_or_default();
            let slashed = if ticket.value != ticket.amount {
                format!(", worth {} after slashes", ticket.value.ui)
            } else {
                String::new()
            };
            out += &format!(
                "  ticket {}: {} ({state}{operator}{slashed})\n",
                ticket.address, ticket.amount.ui
            );
        }
        f.write_str(&out)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct OperatorView {
    pub address: String,
    pub pool: String,
    pub authority: String,
    pub name: String,
    pub active: bool,
    /// Slashed 100%: it takes no stake again (its delegators' shares are
    /// worth nothing).
    pub slashed_out: bool,
    pub commission_bps: u16,
    /// A scheduled increase, and the time from which it can be applied.
    pub pending_commission_bps: Option<u16>,
    pub pending_commission_at: Option<i64>,
    /// The increase's notice has run out: the operator's own next
    /// `update_operator` or `claim_commission` applies it (capped at the
    /// pool's maximum then); nobody else's instruction does.
    pub pending_commission_due: bool,
    /// What the increase would set now: the pending rate capped at the pool's
    /// current maximum commission.
    pub pending_commission_capped_bps: Option<u16>,
    /// Seconds until it can be applied (0 once due).
    pub pending_commission_seconds_left: Option<u64>,
    pub delegated: TokenAmount,
    /// Stake in open unbond tickets unstaked from this operator: it keeps its
    /// room under the pool's share cap until withdrawn or cancelled.
    pub unbonding: TokenAmount,
    /// Delegated stake over the pool's total stake, in basis points.
    pub share_of_pool_bps: u64,
    #[serde(flatten)]
    pub slashes: SlashRecordView,
    pub commission: Vec<CommissionView>,
}

/// Basis points as a percentage: 1234 -> "12.34%".
pub fn format_bps(bps: u64) -> String {
    format!("{}.{:02}%", bps / 100, bps % 100)
}

impl OperatorView {
    /// `now`: the cluster's clock, for whether a scheduled increase is due.
    pub fn new(address: &Pubkey, operator: &Operator, pool: &Pool, now: i64) -> Self {
        let share = if pool.total_staked == 0 {
            0
        } else {
            (u128::from(operator.delegated) * 10_000 / u128::from(pool.total_staked)) as u64
        };
        let pending = operator.has_pending_increase();
        // Projected to now; the stored figures if the projection cannot run.
        let owed = rewards::commission_owed(pool, operator, now).unwrap_or_else(|_| {
            operator.streams[..pool.streams().len()]
                .iter()
                .map(|stream| stream.commission_owed)
                .collect()
        });
        OperatorView {
            address: address.to_string(),
            pool: operator.pool.to_string(),
            authority: operator.authority.to_string(),
            name: operator.name(),
            active: operator.is_active(),
            slashed_out: operator.is_slashed_out(),
            commission_bps: operator.commission_bps,
            pending_commission_bps: pending.then_some(operator.pending_commission_bps),
            pending_commission_at: pending.then_some(operator.pending_commission_at),
            pending_commission_due: pending && now >= operator.pending_commission_at,
            pending_commission_capped_bps: pending
                .then(|| operator.pending_commission_bps.min(pool.max_commission_bps)),
            pending_commission_seconds_left: pending
                .then(|| operator.pending_commission_at.saturating_sub(now).max(0) as u64),
            delegated: TokenAmount::new(operator.delegated, pool.stake_decimals),
            unbonding: TokenAmount::new(operator.unbonding, pool.stake_decimals),
            share_of_pool_bps: share,
            slashes: SlashRecordView::new(operator, pool.stake_decimals, now),
            commission: pool
                .streams()
                .iter()
                .zip(operator.streams.iter().zip(owed))
                .enumerate()
                .map(|(i, (stream, (booked, owed)))| CommissionView {
                    stream: i as u8,
                    reward_mint: stream.reward_mint.to_string(),
                    owed: TokenAmount::new(owed, stream.reward_decimals),
                    claimed: TokenAmount::new(booked.commission_claimed, stream.reward_decimals),
                })
                .collect(),
        }
    }

    /// `slashed out` (takes no stake), `active` or `inactive`.
    fn status(&self) -> &'static str {
        match (self.slashed_out, self.active) {
            (true, _) => "slashed out",
            (false, true) => "active",
            (false, false) => "inactive",
        }
    }

    /// The scheduled increase, for the table: the rate and when it can be applied.
    fn pending_change(&self) -> String {
        match (
            self.pending_commission_bps,
            self.pending_commission_seconds_left,
        ) {
            (Some(bps), _) if self.pending_commission_due => {
                format!("{} due", format_bps(bps.into()))
            }
            (Some(bps), Some(left)) => {
                format!("{} in {}", format_bps(bps.into()), format_duration(left))
            }
            _ => "-".to_string(),
        }
    }

    /// The scheduled increase in full: when it can be applied, and by whom.
    fn pending_change_detail(&self) -> String {
        let (Some(bps), Some(at)) = (self.pending_commission_bps, self.pending_commission_at)
        else {
            return "none".to_string();
        };
        let capped = match self.pending_commission_capped_bps {
            Some(capped) if capped < bps => format!(
                " (capped at the pool's maximum: {} if applied now)",
                format_bps(capped.into())
            ),
            _ => String::new(),
        };
        let when = if self.pending_commission_due {
            format!(
                "due since {}: the operator's next `operator update` or `operator claim` applies it",
                format_date(at)
            )
        } else {
            let now = at - self.pending_commission_seconds_left.unwrap_or_default() as i64;
            format!(
                "can be applied from {}, by the operator's own `operator update` or `operator claim`",
                format_when(at, now)
            )
        };
        format!("{}{capped}; {when}", format_bps(bps.into()))
    }

    /// The `operators` table: one line per operator, most delegated first.
    /// The slash columns appear once any operator listed was slashed.
    pub fn table(operators: &[OperatorView]) -> String {
        let any_slashed = operators.iter().any(|o| o.slashes.slash_count > 0);
        let slash_columns = |slashed: &str, last: &str| {
            if any_slashed {
                format!(" {slashed:>14}  {last:<18}")
            } else {
                String::new()
            }
        };
        let mut out = format!(
            "{:<20} {:>10} {:>22} {:>18} {:>8}{}  {:<11} {}\n",
            "NAME",
            "COMMISSION",
            "PENDING CHANGE",
            "DELEGATED",
            "SHARE",
            slash_columns("SLASHED", "LAST SLASH"),
            "STATUS",
            "ADDRESS"
        );
        for o in operators {
            let slashed = if o.slashes.slash_count > 0 {
                o.slashes.total_slashed.ui.clone()
            } else {
                "-".to_string()
            };
            out += &format!(
                "{:<20} {:>10} {:>22} {:>18} {:>8}{}  {:<11} {}\n",
                printable(&o.name),
                format_bps(o.commission_bps.into()),
                o.pending_change(),
                o.delegated.ui,
                format_bps(o.share_of_pool_bps),
                slash_columns(&slashed, &o.slashes.last_short()),
                o.status(),
                o.address
            );
        }
        out
    }
}

impl fmt::Display for OperatorView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = format!(
                "Operator {} ({})\n  pool:            {}\n  authority:       {}\n  status:          {}\n  commission:      {}\n  pending change:  {}\n  delegated:       {} ({} of the pool)\n  unbonding:       {} (in open tickets unstaked from it)\n",
                self.address,
                printable(&self.name),
                self.pool,
                self.authority,
                self.status(),
                format_bps(self.commission_bps.into()),
                self.pending_change_detail(),
                self.delegated.ui,
                format_bps(self.share_of_pool_bps),
                self.unbonding.ui,
            );
        out += &format!("  slashed:         {}\n", self.slashes);
        for c in &self.commission {
            out += &format!(
                "  commission stream {} ({}): owed {} claimed {}\n",
                c.stream, c.reward_mint, c.owed.ui, c.claimed.ui
            );
        }
        f.write_str(&out)
    }
}

impl Session {
    pub async fn operator_view(&self, address: &Pubkey) -> Result<OperatorView, ClientError> {
        let operator = self.operator(address).await?;
        let pool = self.pool(&operator.pool).await?;
        let now = self.now().await?;
        Ok(OperatorView::new(address, &operator, &pool, now))
    }

    /// A pool's operators, most delegated stake first.
    pub async fn operator_views(
        &self,
        pool_address: &Pubkey,
    ) -> Result<Vec<OperatorView>, ClientError> {
        let pool = self.pool(pool_address).await?;
        let now = self.now().await?;
        Ok(self
            .operators(pool_address)
            .await?
            .iter()
            .map(|(address, operator)| OperatorView::new(address, operator, &pool, now))
            .collect())
    }

    pub async fn pool_view(&self, address: &Pubkey) -> Result<PoolView, ClientError> {
        Ok(PoolView::new(
            address,
            &self.pool(address).await?,
            self.now().await?,
        ))
    }

    /// A position with its pending rewards and tickets; `None` if there is none.
    pub async fn position_view(
        &self,
        pool_address: &Pubkey,
        owner: &Pubkey,
    ) -> Result<Option<PositionView>, ClientError> {
        let pool = self.pool(pool_address).await?;
        let Some(position) = self.position(pool_address, owner).await? else {
            return Ok(None);
        };
        let tickets = self.tickets(owner, Some(pool_address)).await?;
        let ticket_operators = self.ticket_operators(&tickets).await?;
        let address = pda::position(&self.program_id, pool_address, owner);
        let delegated = self.delegation_of(&address, &position).await?;
        let now = self.now().await?;
        PositionView::new(
            &self.program_id,
            pool_address,
            &pool,
            &position,
            delegated.as_ref(),
            &tickets,
            &ticket_operators,
            now,
        )
        .map(Some)
    }

    /// The operators the tickets were unstaked from, which value them.
    pub(crate) async fn ticket_operators(
        &self,
        tickets: &[(Pubkey, UnbondTicket)],
    ) -> Result<HashMap<Pubkey, Operator>, ClientError> {
        let mut operators = HashMap::new();
        for key in tickets
            .iter()
            .filter_map(|(_, ticket)| instructions::ticket_operator(ticket))
        {
            if let std::collections::hash_map::Entry::Vacant(slot) = operators.entry(key) {
                slot.insert(self.operator(&key).await?);
            }
        }
        Ok(operators)
    }

    /// Every position of an owner, across pools.
    pub async fn position_views(&self, owner: &Pubkey) -> Result<Vec<PositionView>, ClientError> {
        let positions = self.positions(owner).await?;
        let tickets = self.tickets(owner, None).await?;
        let ticket_operators = self.ticket_operators(&tickets).await?;
        let now = self.now().await?;
        let mut views = Vec::with_capacity(positions.len());
        for (address, position) in positions {
            let pool = self.pool(&position.pool).await?;
            let delegated = self.delegation_of(&address, &position).await?;
            views.push(PositionView::new(
                &self.program_id,
                &position.pool,
                &pool,
                &position,
                delegated.as_ref(),
                &tickets,
                &ticket_operators,
                now,
            )?);
        }
        Ok(views)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_text_cannot_drive_the_terminal() {
        assert_eq!(printable("node-1"), "node-1");
        assert_eq!(printable("a\u{1b}[2Kb"), "a\\u{1b}[2Kb");
        assert_eq!(printable("x\u{202E}y"), "x\\u{202e}y");
    }

    #[test]
    fn slashing_reads_the_same_in_every_view() {
        use bytemuck::Zeroable;
        // Announced, none in force yet: not "off".
        let mut pool = Pool::zeroed();
        pool.unbonding_period = 3_600;
        pool.total_staked = 1;
        let slasher = Pubkey::new_unique();
        pool.request_slash_settings(
            SlashSettings {
                slasher,
                destination: Pubkey::new_unique(),
                max_slash_bps: 1_000,
            },
            0,
        )
        .unwrap();
        let shown = PoolView::new(&Pubkey::new_unique(), &pool, 0).to_string();
        assert!(
            shown.contains(&format!(
                "slashing:         none in force yet; slasher {slasher} announced, may take up to 10.00% per slash from "
            )) && shown.contains("(the pool can slash its operators: delegated stake")
                && !shown.contains("off (nobody")
                && !shown.contains("slashing pending"),
            "{shown}"
        );
        // An operator slashed 100% takes no stake: its status says so.
        let mut operator = Operator::zeroed();
        operator.init_slashing();
        let mut delegation = Delegation::zeroed();
        operator.add_returning(&mut delegation, 100).unwrap();
        operator.active = 1;
        let view = OperatorView::new(&Pubkey::new_unique(), &operator, &pool, 0);
        assert_eq!((view.status(), view.slashed_out), ("active", false));
        operator.slash(10_000, 0).unwrap();
        let view = OperatorView::new(&Pubkey::new_unique(), &operator, &pool, 0);
        assert_eq!((view.status(), view.slashed_out), ("slashed out", true));
        assert!(view.to_string().contains("status:          slashed out\n"));
        assert!(OperatorView::table(&[view]).contains(" slashed out "));
    }

    #[test]
    fn yearly_rates_keep_four_significant_digits() {
        assert_eq!(format_rate(31_536.0), "31536");
        assert_eq!(format_rate(12.3456), "12.35");
        assert_eq!(format_rate(0.000421337), "0.0004213");
        assert_eq!(format_rate(0.0), "0");
    }
}
