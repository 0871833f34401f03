use anchor_lang::prelude::*;

use crate::constants::{MAX_OPERATOR_NAME_LEN, MAX_REWARD_STREAMS};
use crate::errors::StakingError;
use crate::events::{CommissionChangeApplied, CommissionChangeScheduled};
use crate::math;
use crate::state::{Pool, StoredQ64};

/// A delegation target in one pool. PDA: `["operator", pool, authority]`.
///
/// Per reward stream it keeps an F1-style accumulator of what one delegated
/// base unit earned after commission. It is brought up to the pool's
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
    /// Stake of the positions delegated here (earning stake, not unbonding).
    pub delegated: u64,
    /// Stake unstaked from here into unbond tickets still open (withdrawn or
    /// cancelled later). It keeps its room under the share cap, so that room
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
}

#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct OperatorStream {
    /// The pool stream's `reward_per_token_q` at the last sync.
    pub pool_checkpoint_q: StoredQ64,
    /// Rewards per delegated base unit after commission, Q64.64; delegations
    /// checkpoint against it.
    pub delegator_per_token_q: StoredQ64,
    /// Commission booked and not yet claimed, whole base units.
    pub commission_owed: u64,
    /// The fraction of a base unit booked beyond `commission_owed` (Q64.64 low word).
    pub commission_owed_fraction: u64,
    /// Commission paid out by `claim_commission`, base units.
    pub commission_claimed: u64,
    /// Remainder of the last commission split's basis-point division (below
    /// 10,000), carried into the next (see `math::split_commission`).
    pub split_remainder: u64,
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
        for (operator_stream, pool_stream) in self.streams.iter_mut().zip(pool.streams()) {
            let pool_accumulator = pool_stream.reward_per_token_q.get();
            let delta = pool_accumulator
                .checked_sub(operator_stream.pool_checkpoint_q.get())
                .ok_or(StakingError::MathOverflow)?;
            let (net, commission_q, remainder) =
                math::split_commission(delta, commission, operator_stream.split_remainder)?;
            operator_stream.split_remainder = remainder;
            let accumulator = operator_stream
                .delegator_per_token_q
                .get()
                .checked_add(net)
                .ok_or(StakingError::MathOverflow)?;
            operator_stream.delegator_per_token_q.set(accumulator);
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

    /// Adds new stake to the operator (a delegation, a redelegation to it, a
    /// delegator's stake or a ticket from elsewhere), refusing it while the
    /// operator is inactive or past the pool's share cap. `pool.total_staked`
    /// must already include it.
    ///
    /// The cap is checked as if every ticket unstaked from here came back
    /// (`delegated + unbonding` against `total_staked + unbonding`): a
    /// ticket's way back is never refused, so its room stays reserved.
    pub fn add_delegated(&mut self, amount: u64, pool: &Pool) -> Result<()> {
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
        self.delegated = delegated;
        Ok(())
    }

    /// Adds stake that is not a new delegation: a delegator's compounded
    /// rewards. Never refused by the share cap, so that others' exits cannot
    /// trap delegators.
    pub fn add_returning(&mut self, amount: u64) -> Result<()> {
        self.delegated = self
            .delegated
            .checked_add(amount)
            .ok_or(StakingError::MathOverflow)?;
        Ok(())
    }

    /// Moves a delegator's unstaked `amount` from earning stake into an unbond
    /// ticket that records this operator.
    pub fn begin_unbonding(&mut self, amount: u64) -> Result<()> {
        self.remove_delegated(amount)?;
        self.unbonding = self
            .unbonding
            .checked_add(amount)
            .ok_or(StakingError::MathOverflow)?;
        Ok(())
    }

    /// Releases a ticket that recorded this operator: withdrawn, or cancelled
    /// (to stake elsewhere, or back here through [`Self::return_unbonded`]).
    pub fn end_unbonding(&mut self, amount: u64) -> Result<()> {
        self.unbonding = self
            .unbonding
            .checked_sub(amount)
            .ok_or(StakingError::MathOverflow)?;
        Ok(())
    }

    /// A ticket cancelled back to this operator: its reserved room is taken
    /// again, never refused by the share cap.
    pub fn return_unbonded(&mut self, amount: u64) -> Result<()> {
        self.end_unbonding(amount)?;
        self.add_returning(amount)
    }

    pub fn remove_delegated(&mut self, amount: u64) -> Result<()> {
        self.delegated = self
            .delegated
            .checked_sub(amount)
            .ok_or(StakingError::MathOverflow)?;
        Ok(())
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
