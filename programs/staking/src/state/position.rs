use anchor_lang::prelude::*;

use crate::constants::MAX_REWARD_STREAMS;
use crate::errors::StakingError;
use crate::math;
use crate::state::{Pool, RewardStream, StoredQ64};

/// A staker's position in one pool. PDA: `["position", pool, owner]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Position {
    pub pool: Pubkey,
    pub owner: Pubkey,
    /// Stake earning rewards.
    pub staked: u64,
    /// Sequence number the next unbond ticket gets (for people and indexers).
    pub next_ticket_id: u32,
    /// Unbond tickets not yet withdrawn or cancelled.
    pub open_tickets: u16,
    pub bump: u8,
    pub padding: [u8; 1],
    /// Per reward stream, in the pool's stream order.
    pub rewards: [PositionReward; MAX_REWARD_STREAMS],
}

#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PositionReward {
    /// The stream's `reward_per_token_q` when this position was last settled.
    pub checkpoint_q: StoredQ64,
    /// Settled rewards not yet paid, base units.
    pub owed: u64,
}

impl Position {
    pub const SPACE: usize = 8 + std::mem::size_of::<Self>();

    /// Credits what the stake earned on one stream since the last settlement.
    /// The stream must be accrued to now.
    pub fn settle_stream(&mut self, index: usize, stream: &RewardStream) -> Result<()> {
        let reward = self
            .rewards
            .get_mut(index)
            .ok_or(StakingError::InvalidStreamIndex)?;
        let accumulator = stream.reward_per_token_q.get();
        let gained = math::earned(self.staked, accumulator, reward.checkpoint_q.get())?;
        reward.owed = reward
            .owed
            .checked_add(gained)
            .ok_or(StakingError::MathOverflow)?;
        reward.checkpoint_q.set(accumulator);
        Ok(())
    }

    /// Settles every stream: required before the stake changes.
    pub fn settle_all(&mut self, pool: &Pool) -> Result<()> {
        for (index, stream) in pool.streams().iter().enumerate() {
            self.settle_stream(index, stream)?;
        }
        Ok(())
    }

    pub fn has_owed_rewards(&self) -> bool {
        self.rewards.iter().any(|reward| reward.owed > 0)
    }

    /// Nothing staked, owed or unbonding: the position may be closed.
    pub fn is_empty(&self) -> bool {
        self.staked == 0 && self.open_tickets == 0 && !self.has_owed_rewards()
    }
}
