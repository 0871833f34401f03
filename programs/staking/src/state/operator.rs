use anchor_lang::prelude::*;

use crate::constants::{MAX_OPERATOR_NAME_LEN, MAX_REWARD_STREAMS};
use crate::errors::StakingError;
use crate::events::CommissionChangeApplied;
use crate::math;
use crate::state::{Pool, StoredQ64};

/// A delegation target in one pool. PDA: `["operator", pool, authority]`.
///
/// Per reward stream it keeps an F1-style accumulator of what one delegated
/// base unit earned after commission. It is brought up to the pool's
/// accumulator (`sync`) before every change of its delegated stake or of its
/// commission, so each interval is split at the commission in force during it.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Operator {
    pub pool: Pubkey,
    pub authority: Pubkey,
    /// UTF-8, zero-padded.
    pub name: [u8; MAX_OPERATOR_NAME_LEN],
    /// Stake of the positions delegated here (earning stake, not unbonding).
    pub delegated: u64,
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
    /// Commission booked and not yet claimed, base units.
    pub commission_owed: u64,
    /// Commission paid out by `claim_commission`, base units.
    pub commission_claimed: u64,
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
    /// accrued to `now`) at the commission in force, then applies a scheduled
    /// increase whose notice has run out. The increase therefore starts at the
    /// first sync at or after its time, never before.
    pub fn sync(&mut self, operator_key: Pubkey, pool: &Pool, now: i64) -> Result<()> {
        self.sync_streams(pool)?;
        if self.has_pending_increase() && now >= self.pending_commission_at {
            let previous_bps = self.commission_bps;
            self.commission_bps = self.pending_commission_bps;
            self.pending_commission_bps = 0;
            self.pending_commission_at = 0;
            emit!(CommissionChangeApplied {
                pool: self.pool,
                operator: operator_key,
                previous_bps,
                commission_bps: self.commission_bps,
            });
        }
        Ok(())
    }

    /// The accumulator half of [`sync`](Self::sync): splits what the pool's
    /// accumulators gained since the last sync at the commission in force.
    pub fn sync_streams(&mut self, pool: &Pool) -> Result<()> {
        let commission = self.commission_in_force();
        let delegated = self.delegated;
        for (operator_stream, pool_stream) in self.streams.iter_mut().zip(pool.streams()) {
            let pool_accumulator = pool_stream.reward_per_token_q.get();
            let delta = pool_accumulator
                .checked_sub(operator_stream.pool_checkpoint_q.get())
                .ok_or(StakingError::MathOverflow)?;
            let (net, commission_q) = math::split_commission(delta, commission)?;
            let accumulator = operator_stream
                .delegator_per_token_q
                .get()
                .checked_add(net)
                .ok_or(StakingError::MathOverflow)?;
            operator_stream.delegator_per_token_q.set(accumulator);
            let booked = u64::try_from(math::q64_mul_floor(delegated, commission_q))
                .map_err(|_| StakingError::MathOverflow)?;
            operator_stream.commission_owed = operator_stream
                .commission_owed
                .checked_add(booked)
                .ok_or(StakingError::MathOverflow)?;
            operator_stream.pool_checkpoint_q.set(pool_accumulator);
        }
        Ok(())
    }

    /// Adds stake to the operator, refusing it past the pool's share cap.
    /// `pool.total_staked` must already include it.
    pub fn add_delegated(&mut self, amount: u64, pool: &Pool) -> Result<()> {
        let delegated = self
            .delegated
            .checked_add(amount)
            .ok_or(StakingError::MathOverflow)?;
        require!(
            math::within_share_cap(delegated, pool.total_staked, pool.max_operator_share_bps),
            StakingError::OperatorShareCapExceeded
        );
        self.delegated = delegated;
        Ok(())
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
