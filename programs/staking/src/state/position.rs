use anchor_lang::prelude::*;

use crate::constants::MAX_REWARD_STREAMS;
use crate::errors::StakingError;
use crate::math;
use crate::state::{Pool, RewardStream};

/// A staker's position in one pool. PDA: `["position", pool, owner]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Position {
    pub pool: Pubkey,
    pub owner: Pubkey,
    /// Stake earning rewards.
    pub staked: u64,
    /// Seed of the next unbond ticket (never reused while the position lives).
    pub next_ticket_id: u64,
    /// Unbond tickets not yet withdrawn or cancelled.
    pub open_tickets: u32,
    pub bump: u8,
    /// Per reward stream, in the pool's stream order.
    pub rewards: [PositionReward; MAX_REWARD_STREAMS],
}

#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct PositionReward {
    /// The stream's `reward_per_token_q` when this position was last settled.
    pub checkpoint_q: u128,
    /// Settled rewards not yet paid, base units.
    pub owed: u64,
}

impl Position {
    /// Credits what the stake earned on one stream since the last settlement.
    /// The stream must be accrued to now.
    pub fn settle_stream(&mut self, index: usize, stream: &RewardStream) -> Result<()> {
        let reward = self
            .rewards
            .get_mut(index)
            .ok_or(StakingError::InvalidStreamIndex)?;
        let gained = math::earned(self.staked, stream.reward_per_token_q, reward.checkpoint_q)?;
        reward.owed = reward
            .owed
            .checked_add(gained)
            .ok_or(StakingError::MathOverflow)?;
        reward.checkpoint_q = stream.reward_per_token_q;
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
}
