use anchor_lang::prelude::*;

use crate::constants::{MAX_OPERATOR_NAME_LEN, MAX_REWARD_STREAMS};
use crate::errors::StakingError;
use crate::events::{CommissionChangeApplied, CommissionChangeScheduled};
use crate::math;
use crate::state::{Delegation, Pool, StoredQ64, UnbondTicket};

/// A delegation target in one pool. PDA: `["operator", pool, authority]`.
///
/// Its delegations own its delegated stake through shares (`delegated_shares`),
/// so that a slash, which lowers `delegated`, reaches each of them in
/// proportion without touching them (see [`crate::math`], "Slashing"). Per
/// reward stream it keeps an F1-style accumulator of what one share earned
/// after commission. It is brought up to the pool's
/// accumulator (`sync`) before every change of its delegated stake or of its
/// commission, so each interval is split at the commission in force during it.
/// Syncing is exact (remainders carried), so anyone syncing it any number of
/// times changes nothing; a scheduled commission increase is applied only by
/// the operator's own instructions, never by someone else's sync.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Operator {
    pub pool: Pubkey,
    pub authority: Pubkey,
    /// UTF-8, zero-padded.
    pub name: [u8; MAX_OPERATOR_NAME_LEN],
    /// Stake of the positions delegated here (earning stake, not unbonding),
    /// owned by its delegations through `delegated_shares`.
    pub delegated: u64,
    /// Stake unstaked from here into unbond tickets still open (withdrawn or
    /// cancelled later), less what slashes took from it. It stays answerable
    /// to this operator, and keeps its room under the share cap, so that room
    /// cannot be handed to new delegations while the ticket can come back.
    pub unbonding: u64,
    /// When `pending_commission_bps` takes effect (unix seconds); 0 when no
    /// increase is scheduled.
    pub pending_commission_at: i64,
    pub commission_bps: u16,
    pub pending_commission_bps: u16,
    /// 1 while delegations are accepted and commission is charged.
    pub active: u8,
    pub bump: u8,
    pub padding: [u8; 2],
    pub streams: [OperatorStream; MAX_REWARD_STREAMS],
    /// Shares the delegations hold in `delegated` (equal to it until a slash).
    pub delegated_shares: u64,
    /// The multiplier every slash lowers (1.0 with no ticket open), as
    /// `ticket_factor_q × 2^-ticket_factor_shift` with the Q64.64 mantissa in
    /// [0.5, 1] (see `math::TicketFactor`); an open ticket is worth its
    /// amount times this over the value at its unstake.
    pub ticket_factor_q: StoredQ64,
    /// Tickets of the current `ticket_epoch` still open.
    pub open_tickets: u64,
    pub ticket_factor_shift: u32,
    /// Bumped when a 100% slash takes the tickets whole: tickets of an
    /// earlier epoch are worth nothing.
    pub ticket_epoch: u32,
    /// Stake all slashes took, base units.
    pub total_slashed: u64,
    /// Time of the last slash (unix seconds); 0 when never slashed.
    pub last_slash_at: i64,
    pub slash_count: u32,
    /// Basis points the last slash took.
    pub last_slash_bps: u16,
    pub padding_end: [u8; 2],
}

/// What one slash took from an operator, base units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlashTaken {
    pub from_delegated: u64,
    pub from_unbonding: u64,
}

#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct OperatorStream {
    /// The pool stream's `reward_per_token_q` at the last sync.
    pub pool_checkpoint_q: StoredQ64,
    /// Rewards per delegated share after commission, Q64.64; delegations
    /// checkpoint against it.
    pub delegator_per_share_q: StoredQ64,
    /// Commission booked and not yet claimed, whole base units.
    pub commission_owed: u64,
    /// The fraction of a base unit booked beyond `commission_owed` (Q64.64 low word).
    pub commission_owed_fraction: u64,
    /// Commission paid out by `claim_commission`, base units.
    pub commission_claimed: u64,
    /// Remainder of the last commission split's basis-point division (below
    /// 10,000), carried into the next (see `math::split_commission`).
    pub split_remainder: u64,
    /// Rewards per delegated share before commission, Q64.64, rounded down
    /// (what a delegation's commission paid is measured against); delegated
    /// positions checkpoint against it.
    pub gross_per_share_q: StoredQ64,
    /// Delegators' rewards not yet spread over the shares (Q64.64 base units,
    /// below `delegated_shares`), carried into the next sync.
    pub share_remainder: u64,
}

impl Operator {
    pub const SPACE: usize = 8 + std::mem::size_of::<Self>();

    pub fn is_active(&self) -> bool {
        self.active != 0
    }

    /// The commission charged now: none while deactivated.
    pub fn commission_in_force(&self) -> u16 {
        if self.is_active() {
            self.commission_bps
        } else {
            0
        }
    }

    pub fn has_pending_increase(&self) -> bool {
        self.pending_commission_at != 0
    }

    /// Brings every stream up to the pool's accumulators (the pool must be
    /// accrued to now) at the commission in force: splits what they gained
    /// since the last sync between delegators and commission, exactly.
    pub fn sync_streams(&mut self, pool: &Pool) -> Result<()> {
        let commission = self.commission_in_force();
        let delegated = self.delegated;
        let shares = self.delegated_shares;
        for (operator_stream, pool_stream) in self.streams.iter_mut().zip(pool.streams()) {
            let pool_accumulator = pool_stream.reward_per_token_q.get();
            let delta = pool_accumulator
                .checked_sub(operator_stream.pool_checkpoint_q.get())
                .ok_or(StakingError::MathOverflow)?;
            let (net, commission_q, remainder) =
                math::split_commission(delta, commission, operator_stream.split_remainder)?;
            operator_stream.split_remainder = remainder;
            let (net_per_share, share_remainder) =
                math::spread_over_shares(net, delegated, shares, operator_stream.share_remainder)?;
            operator_stream.share_remainder = share_remainder;
            let accumulator = operator_stream
                .delegator_per_share_q
                .get()
                .checked_add(net_per_share)
                .ok_or(StakingError::MathOverflow)?;
            operator_stream.delegator_per_share_q.set(accumulator);
            let (gross_per_share, _) = math::spread_over_shares(delta, delegated, shares, 0)?;
            let gross = operator_stream
                .gross_per_share_q
                .get()
                .checked_add(gross_per_share)
                .ok_or(StakingError::MathOverflow)?;
            operator_stream.gross_per_share_q.set(gross);
            let booked_q = math::earned_q(delegated, commission_q, 0)?;
            (
                operator_stream.commission_owed,
                operator_stream.commission_owed_fraction,
            ) = math::add_q(
                operator_stream.commission_owed,
                operator_stream.commission_owed_fraction,
                booked_q,
            )?;
            operator_stream.pool_checkpoint_q.set(pool_accumulator);
        }
        Ok(())
    }

    /// Applies a scheduled increase whose notice has run out, capped at the
    /// pool's maximum in force now. Only the operator's own instructions call
    /// it (after syncing), so nobody else's action decides when its delegators
    /// start paying more; the increase applies from that instruction on.
    pub fn apply_due_commission(&mut self, operator_key: Pubkey, pool: &Pool, now: i64) {
        if !self.has_pending_increase() || now < self.pending_commission_at {
            return;
        }
        let previous_bps = self.commission_bps;
        self.commission_bps = self.pending_commission_bps.min(pool.max_commission_bps);
        self.pending_commission_bps = 0;
        self.pending_commission_at = 0;
        emit!(CommissionChangeApplied {
            pool: self.pool,
            operator: operator_key,
            previous_bps,
            commission_bps: self.commission_bps,
        });
    }

    /// Schedules `requested` to apply one unbonding period from `now` (the
    /// notice every increase of what delegators pay gets) and announces it.
    pub fn schedule_increase(
        &mut self,
        operator_key: Pubkey,
        requested: u16,
        pool: &Pool,
        now: i64,
    ) -> Result<()> {
        let notice =
            i64::try_from(pool.unbonding_period).map_err(|_| StakingError::MathOverflow)?;
        let effective_at = now.checked_add(notice).ok_or(StakingError::MathOverflow)?;
        self.pending_commission_bps = requested;
        // Zero marks "nothing pending"; a zero-notice pool applies it at the
        // operator's next instruction, one second on at the earliest.
        self.pending_commission_at = effective_at.max(1);
        emit!(CommissionChangeScheduled {
            pool: self.pool,
            operator: operator_key,
            commission_bps: self.commission_bps,
            pending_commission_bps: requested,
            effective_at: self.pending_commission_at,
        });
        Ok(())
    }

    /// Activates or deactivates (the operator must be synced to now). A
    /// deactivated operator charges nothing, so reactivating one that has
    /// delegators is an increase from 0: its commission is scheduled with the
    /// usual notice, not restored at once.
    pub fn set_active(
        &mut self,
        operator_key: Pubkey,
        active: bool,
        pool: &Pool,
        now: i64,
    ) -> Result<()> {
        self.active = u8::from(active);
        if !active || self.delegated == 0 {
            return Ok(());
        }
        let restored = self.commission_bps.max(self.pending_commission_bps);
        if restored == 0 {
            return Ok(());
        }
        self.commission_bps = 0;
        self.schedule_increase(operator_key, restored, pool, now)
    }

    /// Sets what a new operator starts with: no ticket open, multiplier 1.0.
    pub fn init_slashing(&mut self) {
        self.set_ticket_factor(math::TicketFactor::ONE);
    }

    pub fn ticket_factor(&self) -> math::TicketFactor {
        math::TicketFactor {
            mantissa_q: self.ticket_factor_q.get(),
            shift: self.ticket_factor_shift,
        }
    }

    fn set_ticket_factor(&mut self, factor: math::TicketFactor) {
        self.ticket_factor_q.set(factor.mantissa_q);
        self.ticket_factor_shift = factor.shift;
    }

    /// The stake `delegation` holds here now, rounded down.
    pub fn stake_of(&self, delegation: &Delegation) -> Result<u64> {
        Ok(math::shares_value(
            delegation.shares,
            self.delegated_shares,
            self.delegated,
        )?)
    }

    /// What a ticket unstaked from here is worth now: rounded down, at most
    /// what the operator still holds for tickets, nothing when a slash took
    /// the tickets of its epoch whole.
    pub fn ticket_value(&self, ticket: &UnbondTicket) -> Result<u64> {
        if ticket.ticket_epoch != self.ticket_epoch {
            return Ok(0);
        }
        let value = math::ticket_value(ticket.amount, self.ticket_factor(), ticket.slash_factor())?;
        // The multiplier is rounded up: never pay out more than is held.
        Ok(value.min(self.unbonding))
    }

    /// Slashed 100%: its delegations' shares are worth nothing and it takes no
    /// stake again (`OperatorSlashedOut`).
    pub fn is_slashed_out(&self) -> bool {
        self.delegated == 0 && self.delegated_shares > 0
    }

    /// Adds new stake to the operator for `delegation` (a delegation, a
    /// redelegation to it, a delegator's stake or a ticket from elsewhere),
    /// refusing it while the operator is inactive or past the pool's share
    /// cap, and returns the delegation's stake after it (shares are issued
    /// rounded down: after a slash, up to one unit less than it had plus the
    /// amount). `pool.total_staked` must already include it.
    ///
    /// The cap is checked as if every ticket unstaked from here came back
    /// (`delegated + unbonding` against `total_staked + unbonding`): a
    /// ticket's way back is never refused, so its room stays reserved.
    pub fn add_delegated(
        &mut self,
        delegation: &mut Delegation,
        amount: u64,
        pool: &Pool,
    ) -> Result<u64> {
        require!(self.is_active(), StakingError::OperatorInactive);
        let delegated = self
            .delegated
            .checked_add(amount)
            .ok_or(StakingError::MathOverflow)?;
        let answerable = delegated
            .checked_add(self.unbonding)
            .ok_or(StakingError::MathOverflow)?;
        let total = pool
            .total_staked
            .checked_add(self.unbonding)
            .ok_or(StakingError::MathOverflow)?;
        require!(
            math::within_share_cap(answerable, total, pool.max_operator_share_bps),
            StakingError::OperatorShareCapExceeded
        );
        self.add_returning(delegation, amount)
    }

    /// Adds stake that is not a new delegation: a delegator's compounded
    /// rewards or a ticket cancelled back here. Never refused by the share
    /// cap, so that others' exits cannot trap delegators; refused only by an
    /// operator slashed to nothing, whose shares are worth nothing, or one
    /// slashed so deeply that the deposit would need more shares than a u64.
    /// Returns the delegation's stake after it, as [`Self::add_delegated`].
    pub fn add_returning(&mut self, delegation: &mut Delegation, amount: u64) -> Result<u64> {
        require!(!self.is_slashed_out(), StakingError::OperatorSlashedOut);
        // After a deep slash (few tokens behind many shares) a deposit may
        // need more shares than a u64 holds: refused by name, and the
        // operator's delegators can still leave (retiring stays within them).
        let shares = math::shares_for_deposit(amount, self.delegated_shares, self.delegated)
            .map_err(|_| StakingError::OperatorSharesExhausted)?;
        let total_shares = self
            .delegated_shares
            .checked_add(shares)
            .ok_or(StakingError::OperatorSharesExhausted)?;
        self.delegated = self
            .delegated
            .checked_add(amount)
            .ok_or(StakingError::MathOverflow)?;
        self.delegated_shares = total_shares;
        delegation.shares = delegation
            .shares
            .checked_add(shares)
            .ok_or(StakingError::MathOverflow)?;
        self.stake_of(delegation)
    }

    /// Takes `amount` of `delegation`'s stake out (at most what it holds); all
    /// of it retires every share it has, so nothing is left behind.
    pub fn remove_delegated(&mut self, delegation: &mut Delegation, amount: u64) -> Result<()> {
        let held = self.stake_of(delegation)?;
        require!(amount <= held, StakingError::InsufficientStake);
        let retired = if amount == held {
            delegation.shares
        } else {
            math::shares_to_burn(amount, self.delegated_shares, self.delegated)?
                .min(delegation.shares)
        };
        delegation.shares -= retired;
        self.delegated_shares = self
            .delegated_shares
            .checked_sub(retired)
            .ok_or(StakingError::MathOverflow)?;
        self.delegated = self
            .delegated
            .checked_sub(amount)
            .ok_or(StakingError::MathOverflow)?;
        Ok(())
    }

    /// Moves a delegator's unstaked `amount` from earning stake into a new
    /// unbond ticket that records this operator and stays answerable to it:
    /// stamps the ticket with the multiplier and epoch it is measured from.
    /// Returns the delegation's stake left (its shares are retired rounded
    /// up: at most one unit below what it had less the amount).
    pub fn begin_unbonding(
        &mut self,
        delegation: &mut Delegation,
        amount: u64,
        ticket: &mut UnbondTicket,
    ) -> Result<u64> {
        self.remove_delegated(delegation, amount)?;
        self.unbonding = self
            .unbonding
            .checked_add(amount)
            .ok_or(StakingError::MathOverflow)?;
        self.open_tickets = self
            .open_tickets
            .checked_add(1)
            .ok_or(StakingError::MathOverflow)?;
        ticket.slash_factor_q = self.ticket_factor_q;
        ticket.slash_factor_shift = self.ticket_factor_shift;
        ticket.ticket_epoch = self.ticket_epoch;
        self.stake_of(delegation)
    }

    /// Releases a ticket that recorded this operator (withdrawn, or cancelled
    /// to stake elsewhere or back here).
    /// Returns what it is worth and, when it was the last open ticket, the
    /// rounding left in `unbonding`, which belongs to no one.
    pub fn end_unbonding(&mut self, ticket: &UnbondTicket) -> Result<ReleasedTicket> {
        if ticket.ticket_epoch != self.ticket_epoch {
            // Taken whole by a 100% slash, and no longer counted here.
            return Ok(ReleasedTicket { value: 0, dust: 0 });
        }
        let value = self.ticket_value(ticket)?;
        self.unbonding = self
            .unbonding
            .checked_sub(value)
            .ok_or(StakingError::MathOverflow)?;
        self.open_tickets = self
            .open_tickets
            .checked_sub(1)
            .ok_or(StakingError::MathOverflow)?;
        let mut dust = 0;
        if self.open_tickets == 0 {
            dust = std::mem::take(&mut self.unbonding);
            self.set_ticket_factor(math::TicketFactor::ONE);
        }
        Ok(ReleasedTicket { value, dust })
    }

    /// Takes `bps` of everything answerable here: the delegated stake (its
    /// delegations' shares now hold less) and the open tickets (their
    /// multiplier drops). The operator must be synced to now, so rewards up to
    /// the slash were split at the stake before it. Each part is rounded down.
    pub fn slash(&mut self, bps: u16, now: i64) -> Result<SlashTaken> {
        let from_delegated = math::slash_take(self.delegated, bps)?;
        self.delegated -= from_delegated;
        let mut from_unbonding = math::slash_take(self.unbonding, bps)?;
        if self.open_tickets == 0 {
            // Nothing unbonding here: the multiplier stays at 1.0.
        } else if bps == math::BPS_DENOMINATOR {
            // Every open ticket is taken whole; a new epoch starts for
            // tickets unstaked later.
            from_unbonding = self.unbonding;
            self.ticket_epoch = self
                .ticket_epoch
                .checked_add(1)
                .ok_or(StakingError::MathOverflow)?;
            self.open_tickets = 0;
            self.set_ticket_factor(math::TicketFactor::ONE);
        } else {
            let factor = math::slashed_factor(self.ticket_factor(), bps)?;
            self.set_ticket_factor(factor);
        }
        self.unbonding -= from_unbonding;
        let taken = from_delegated
            .checked_add(from_unbonding)
            .ok_or(StakingError::MathOverflow)?;
        self.total_slashed = self
            .total_slashed
            .checked_add(taken)
            .ok_or(StakingError::MathOverflow)?;
        self.last_slash_at = now;
        self.last_slash_bps = bps;
        self.slash_count = self.slash_count.saturating_add(1);
        Ok(SlashTaken {
            from_delegated,
            from_unbonding,
        })
    }

    /// The name as text (invalid UTF-8 is shown lossily).
    pub fn name(&self) -> String {
        let end = self
            .name
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.name.len());
        String::from_utf8_lossy(&self.name[..end]).into_owned()
    }
}

/// A released ticket: what it pays (or returns to stake) and the operator's
/// unowned rounding freed with its last ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleasedTicket {
    pub value: u64,
    pub dust: u64,
}

/// Encodes a display name into the fixed field, refusing names that do not fit.
pub fn encode_operator_name(name: &str) -> Result<[u8; MAX_OPERATOR_NAME_LEN]> {
    let bytes = name.as_bytes();
    require!(
        bytes.len() <= MAX_OPERATOR_NAME_LEN,
        StakingError::OperatorNameTooLong
    );
    let mut field = [0u8; MAX_OPERATOR_NAME_LEN];
    field[..bytes.len()].copy_from_slice(bytes);
    Ok(field)
}
