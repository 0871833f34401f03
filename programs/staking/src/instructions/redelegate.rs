use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::Redelegated;
use crate::settlement::{require_no_answerable_stake, settle, DelegationAccounts};
use crate::state::{Delegation, Operator, Pool, Position};

#[derive(Accounts)]
pub struct Redelegate<'info> {
    pub owner: Signer<'info>,
    #[account(mut)]
    pub pool: AccountLoader<'info, Pool>,
    #[account(
        mut,
        has_one = owner @ StakingError::NotPositionOwner,
        has_one = pool @ StakingError::PoolMismatch,
    )]
    pub position: AccountLoader<'info, Position>,
    /// The position's current operator.
    #[account(mut)]
    pub operator: AccountLoader<'info, Operator>,
    #[account(mut)]
    pub delegation: AccountLoader<'info, Delegation>,
    #[account(
        mut,
        has_one = pool @ StakingError::PoolMismatch,
        constraint = new_operator.key() != operator.key() @ StakingError::SameOperator,
    )]
    pub new_operator: AccountLoader<'info, Operator>,
}

/// Moves a delegated position to another active operator in one step: rewards
/// are settled with the old operator first, so switching gains or loses nothing.
/// In a pool that can slash, only a position with no stake left moves: stake
/// leaves an operator through unbond tickets, which stay answerable to it.
pub fn handler(ctx: Context<Redelegate>) -> Result<()> {
    let accounts = ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let new_operator_key = accounts.new_operator.key();
    let mut pool = accounts.pool.load_mut()?;
    let mut position = accounts.position.load_mut()?;
    require!(position.is_delegated(), StakingError::NotDelegated);
    let mut delegated = settle(
        &mut pool,
        &mut position,
        &accounts.position.key(),
        DelegationAccounts {
            operator: Some(&accounts.operator),
            delegation: Some(&accounts.delegation),
        },
        now,
    )?
    .ok_or(StakingError::NotDelegated)?;
    require_no_answerable_stake(&pool, &position)?;
    let moved = position.staked;
    delegated
        .operator
        .remove_delegated(&mut delegated.delegation, moved)?;

    let mut new_operator = accounts.new_operator.load_mut()?;
    new_operator.sync_streams(&pool)?;
    position.staked = new_operator.add_delegated(&mut delegated.delegation, moved, &pool)?;
    delegated.delegation.operator = new_operator_key;
    position.checkpoint_to_operator(&new_operator, &mut delegated.delegation);
    position.operator = new_operator_key;

    emit!(Redelegated {
        pool: position.pool,
        owner: position.owner,
        from_operator: delegated.operator_key,
        to_operator: new_operator_key,
        amount: moved,
    });
    Ok(())
}
