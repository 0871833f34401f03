use anchor_lang::prelude::*;

use crate::constants::DELEGATION_SEED;
use crate::errors::StakingError;
use crate::events::Delegated;
use crate::state::{Delegation, Operator, Pool, Position};

#[derive(Accounts)]
pub struct Delegate<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub pool: AccountLoader<'info, Pool>,
    #[account(
        mut,
        has_one = owner @ StakingError::NotPositionOwner,
        has_one = pool @ StakingError::PoolMismatch,
        constraint = !position.load()?.is_delegated() @ StakingError::AlreadyDelegated,
    )]
    pub position: AccountLoader<'info, Position>,
    #[account(mut, has_one = pool @ StakingError::PoolMismatch)]
    pub operator: AccountLoader<'info, Operator>,
    #[account(
        init,
        payer = owner,
        space = Delegation::SPACE,
        seeds = [DELEGATION_SEED, position.key().as_ref()],
        bump,
    )]
    pub delegation: AccountLoader<'info, Delegation>,
    pub system_program: Program<'info, System>,
}

/// Delegates the position's stake (now and later) to an active operator.
/// Rewards so far are settled commission-free first.
pub fn handler(ctx: Context<Delegate>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let operator_key = ctx.accounts.operator.key();
    let mut pool = ctx.accounts.pool.load_mut()?;
    let mut position = ctx.accounts.position.load_mut()?;
    let mut operator = ctx.accounts.operator.load_mut()?;
    pool.accrue_all(now)?;
    position.settle_all(&pool, None)?;
    operator.sync_streams(&pool)?;

    let mut delegation = ctx.accounts.delegation.load_init()?;
    delegation.position = ctx.accounts.position.key();
    delegation.operator = operator_key;
    delegation.owner = position.owner;
    delegation.bump = ctx.bumps.delegation;
    position.staked = operator.add_delegated(&mut delegation, position.staked, &pool)?;
    position.checkpoint_to_operator(&operator, &mut delegation);
    position.operator = operator_key;

    emit!(Delegated {
        pool: position.pool,
        owner: position.owner,
        operator: operator_key,
        amount: position.staked,
    });
    Ok(())
}
