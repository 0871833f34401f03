use anchor_lang::prelude::*;

use crate::constants::MAX_REWARD_STREAMS;
use crate::errors::StakingError;
use crate::math;
use crate::state::{
    Delegation, DelegationStream, Operator, OperatorStream, Pool, RewardStream, StoredQ64,
};

/// A staker's position in one pool. PDA: `["position", pool, owner]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Position {
    pub pool: Pubkey,
    pub owner: Pubkey,
    /// The operator this position's stake is delegated to; `Pubkey::default()`
    /// when undelegated. A delegated position settles with its operator's and
    /// its `Delegation`'s accounts.
    pub operator: Pubkey,
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
    /// What operators' commission took from this position's rewards over its
    /// life: its gross earnings while delegated less what it was credited.
    pub commission_paid: u64,
}

impl Position {
    pub const SPACE: usize = 8 + std::mem::size_of::<Self>();

    pub fn is_delegated(&self) -> bool {
        self.operator != Pubkey::default()
    }

    /// Credits what the stake earned on one stream since the last settlement.
    /// The stream must be accrued to now and, for a delegated position, the
    /// operator synced to now: the staker is credited by the operator's
    /// after-commission accumulator, and what the commission took (the
    /// difference) is added to `commission_paid`.
    pub fn settle_stream(
        &mut self,
        index: usize,
        stream: &RewardStream,
        delegated: Option<(&OperatorStream, &mut DelegationStream)>,
    ) -> Result<()> {
        let staked = self.staked;
        let reward = self
            .rewards
            .get_mut(index)
            .ok_or(StakingError::InvalidStreamIndex)?;
        let accumulator = stream.reward_per_token_q.get();
        let gross = math::earned(staked, accumulator, reward.checkpoint_q.get())?;
        let credited = match delegated {
            None => gross,
            Some((operator_stream, delegation_stream)) => {
                let net_accumulator = operator_stream.delegator_per_token_q.get();
                let net = math::earned(
                    staked,
                    net_accumulator,
                    delegation_stream.checkpoint_q.get(),
                )?;
                delegation_stream.checkpoint_q.set(net_accumulator);
                // Both checkpoints were taken together and the operator's
                // accumulator grows by at most the pool's, so net <= gross.
                let commission = gross.checked_sub(net).ok_or(StakingError::MathOverflow)?;
                reward.commission_paid = reward
                    .commission_paid
                    .checked_add(commission)
                    .ok_or(StakingError::MathOverflow)?;
                net
            }
        };
        reward.owed = reward
            .owed
            .checked_add(credited)
            .ok_or(StakingError::MathOverflow)?;
        reward.checkpoint_q.set(accumulator);
        Ok(())
    }

    /// Settles every stream: required before the stake changes.
    pub fn settle_all(
        &mut self,
        pool: &Pool,
        mut delegated: Option<(&Operator, &mut Delegation)>,
    ) -> Result<()> {
        for (index, stream) in pool.streams().iter().enumerate() {
            let pair = match &mut delegated {
                None => None,
                Some((operator, delegation)) => {
                    Some((&operator.streams[index], &mut delegation.streams[index]))
                }
            };
            self.settle_stream(index, stream, pair)?;
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
