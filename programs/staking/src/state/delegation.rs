use anchor_lang::prelude::*;

use crate::constants::MAX_REWARD_STREAMS;
use crate::errors::StakingError;
use crate::state::StoredQ64;

/// A position's delegation to an operator. PDA: `["delegation", position]`;
/// exists while the position is delegated (created by `delegate`, moved by
/// `redelegate`, closed by `undelegate`).
#[account(zero_copy)]
#[derive(Debug)]
pub struct Delegation {
    pub position: Pubkey,
    pub operator: Pubkey,
    pub owner: Pubkey,
    pub bump: u8,
    pub padding: [u8; 7],
    /// Shares of the operator's delegated stake (see `Operator::stake_of`).
    pub shares: u64,
    pub streams: [DelegationStream; MAX_REWARD_STREAMS],
}

#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DelegationStream {
    /// The operator's `delegator_per_share_q` at this position's last settlement.
    pub checkpoint_q: StoredQ64,
    /// What commission took from this position's rewards during this
    /// delegation (gross earnings less what it was credited), Q64.64 base units.
    pub commission_paid_q: StoredQ64,
}

impl DelegationStream {
    pub fn add_commission_paid(&mut self, commission_q: u128) -> Result<()> {
        let total = self
            .commission_paid_q
            .get()
            .checked_add(commission_q)
            .ok_or(StakingError::MathOverflow)?;
        self.commission_paid_q.set(total);
        Ok(())
    }
}

impl Delegation {
    pub const SPACE: usize = 8 + std::mem::size_of::<Self>();
}
