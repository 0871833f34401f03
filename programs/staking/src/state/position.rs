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
    /// Stake earning rewards. For a delegated position, what its delegation's
    /// shares were worth at its last settlement (slashes since lower it at
    /// the next).
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
    /// The stream's `reward_per_token_q` when this position was last settled;
    /// while delegated, its operator's `gross_per_share_q` instead.
    pub checkpoint_q: StoredQ64,
    /// Settled rewards not yet paid, whole base units.
    pub owed: u64,
    /// The fraction of a base unit settled beyond `owed` (Q64.64 low word):
    /// carried, and paid once it completes a unit.
    pub owed_fraction: u64,
}

impl PositionReward {
    /// What is owed, exactly, in Q64.64 base units.
    pub fn owed_q(&self) -> u128 {
        (u128::from(self.owed) << math::Q64_SHIFT) | u128::from(self.owed_fraction)
    }

    fn credit_q(&mut self, amount_q: u128) -> Result<()> {
        (self.owed, self.owed_fraction) = math::add_q(self.owed, self.owed_fraction, amount_q)?;
        Ok(())
    }

    /// Takes the whole units owed for a payout; the fraction stays.
    pub fn take_owed(&mut self) -> u64 {
        std::mem::take(&mut self.owed)
    }
}

impl Position {
    pub const SPACE: usize = 8 + std::mem::size_of::<Self>();

    pub fn is_delegated(&self) -> bool {
        self.operator != Pubkey::default()
    }

    /// Credits what the stake earned on one stream since the last settlement,
    /// exactly (the fraction of a unit is kept). The stream must be accrued to
    /// now and, for a delegated position, the operator synced to now: the
    /// staker is credited its shares times the operator's after-commission
    /// accumulator, and what the commission took (measured against the
    /// operator's before-commission accumulator) is added to the delegation's
    /// `commission_paid_q`.
    pub fn settle_stream(
        &mut self,
        index: usize,
        stream: &RewardStream,
        delegated: Option<(u64, &OperatorStream, &mut DelegationStream)>,
    ) -> Result<()> {
        let staked = self.staked;
        let reward = self
            .rewards
            .get_mut(index)
            .ok_or(StakingError::InvalidStreamIndex)?;
        let credited_q = match delegated {
            None => {
                let accumulator = stream.reward_per_token_q.get();
                let earned_q = math::earned_q(staked, accumulator, reward.checkpoint_q.get())?;
                reward.checkpoint_q.set(accumulator);
                earned_q
            }
            Some((shares, operator_stream, delegation_stream)) => {
                let net_accumulator = operator_stream.delegator_per_share_q.get();
                let net_q = math::earned_q(
                    shares,
                    net_accumulator,
                    delegation_stream.checkpoint_q.get(),
                )?;
                delegation_stream.checkpoint_q.set(net_accumulator);
                let gross_accumulator = operator_stream.gross_per_share_q.get();
                let gross_q = math::earned_q(shares, gross_accumulator, reward.checkpoint_q.get())?;
                reward.checkpoint_q.set(gross_accumulator);
                // The gross accumulator is rounded down while the net one
                // carries its remainder: the (informational) difference is
                // floored at zero rather than trusted to stay non-negative.
                delegation_stream.add_commission_paid(gross_q.saturating_sub(net_q))?;
                net_q
            }
        };
        reward.credit_q(credited_q)
    }

    /// Settles every stream: required before the stake changes. A delegated
    /// position's stake is then brought to what its shares are worth, so a
    /// slash since its last settlement shows (rewards up to now were already
    /// measured per share, at the stake in force in each interval).
    pub fn settle_all(
        &mut self,
        pool: &Pool,
        mut delegated: Option<(&Operator, &mut Delegation)>,
    ) -> Result<()> {
        for (index, stream) in pool.streams().iter().enumerate() {
            let triple = match &mut delegated {
                None => None,
                Some((operator, delegation)) => Some((
                    delegation.shares,
                    &operator.streams[index],
                    &mut delegation.streams[index],
                )),
            };
            self.settle_stream(index, stream, triple)?;
        }
        if let Some((operator, delegation)) = delegated {
            self.staked = operator.stake_of(delegation)?;
        }
        Ok(())
    }

    /// Measures rewards from now on against the pool's accumulators (the
    /// position was just settled and is no longer delegated).
    pub fn checkpoint_to_pool(&mut self, pool: &Pool) {
        for (reward, stream) in self.rewards.iter_mut().zip(pool.streams()) {
            reward.checkpoint_q = stream.reward_per_token_q;
        }
    }

    /// Measures rewards from now on against `operator`'s accumulators (the
    /// position was just settled and is now delegated to it through
    /// `delegation`): the position's checkpoints against the operator's gross
    /// accumulators, the delegation's against its net ones.
    pub fn checkpoint_to_operator(&mut self, operator: &Operator, delegation: &mut Delegation) {
        let checkpoints = self.rewards.iter_mut().zip(&mut delegation.streams);
        for ((reward, delegation_stream), operator_stream) in checkpoints.zip(&operator.streams) {
            reward.checkpoint_q = operator_stream.gross_per_share_q;
            delegation_stream.checkpoint_q = operator_stream.delegator_per_share_q;
        }
    }

    pub fn has_owed_rewards(&self) -> bool {
        self.rewards.iter().any(|reward| reward.owed > 0)
    }

    /// Nothing staked, owed or unbonding: the position may be closed (what is
    /// left below one unit per stream is given up, see [`Self::fractions_q`]).
    pub fn is_empty(&self) -> bool {
        self.staked == 0 && self.open_tickets == 0 && !self.has_owed_rewards()
    }

    /// Per stream, the fraction of a unit owed beyond the whole units.
    pub fn fractions_q(&self) -> impl Iterator<Item = u128> + '_ {
        self.rewards
            .iter()
            .map(|reward| u128::from(reward.owed_fraction))
    }

    /// Records a new unbond ticket and returns its sequence number.
    pub fn open_ticket(&mut self) -> Result<u64> {
        let id = self.next_ticket_id;
        self.next_ticket_id = id.checked_add(1).ok_or(StakingError::MathOverflow)?;
        self.open_tickets = self
            .open_tickets
            .checked_add(1)
            .ok_or(StakingError::MathOverflow)?;
        Ok(u64::from(id))
    }

    /// Records that a ticket was withdrawn or cancelled.
    pub fn close_ticket(&mut self) -> Result<()> {
        self.open_tickets = self
            .open_tickets
            .checked_sub(1)
            .ok_or(StakingError::MathOverflow)?;
        Ok(())
    }
}
