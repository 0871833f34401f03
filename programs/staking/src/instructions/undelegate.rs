use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::Undelegated;
use crate::settlement::{require_no_answerable_stake, settle, DelegationAccounts};
use crate::state::{Delegation, Operator, Pool, Position};

#[derive(Accounts)]
pub struct Undelegate<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub pool: AccountLoader<'info, Pool>,
    #[account(
        mut,
        has_one = owner @ StakingError::NotPositionOwner,
        has_one = pool @ StakingError::PoolMismatch,
        constraint = position.load()?.is_delegated() @ StakingError::NotDelegated,
    )]
    pub position: AccountLoader<'info, Position>,
    /// The position's operator (active or not).
    #[account(mut)]
    pub operator: AccountLoader<'info, Operator>,
    /// Closed; its rent goes back to the owner.
    #[account(mut, close = owner)]
    pub delegation: AccountLoader<'info, Delegation>,
}

/// Ends the delegation: rewards are settled with the operator first, then the
/// stake earns commission-free. Works while the pool is paused. In a pool that
/// can slash, only a position with no stake left undelegates: stake leaves an
/// operator through unbond tickets, which stay answerable to it.
pub fn handler(ctx: Context<Undelegate>) -> Result<()> {
    let accounts = ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let mut pool = accounts.pool.load_mut()?;
    let mut position = accounts.position.load_mut()?;
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
    let staked = position.staked;
    delegated
        .operator
        .remove_delegated(&mut delegated.delegation, staked)?;
    position.operator = Pubkey::default();
    position.checkpoint_to_pool(&pool);

    emit!(Undelegated {
        pool: position.pool,
        owner: position.owner,
        operator: delegated.operator_key,
        amount: position.staked,
    });
    Ok(())
}
