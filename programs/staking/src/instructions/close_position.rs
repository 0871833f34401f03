use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::PositionClosed;
use crate::state::{Pool, Position};

#[derive(Accounts)]
pub struct ClosePosition<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    pub pool: AccountLoader<'info, Pool>,
    #[account(
        mut,
        close = owner,
        has_one = owner,
        has_one = pool,
        constraint = !position.load()?.is_delegated() @ StakingError::PositionDelegated,
        constraint = position.load()?.is_empty() @ StakingError::PositionNotEmpty,
    )]
    pub position: AccountLoader<'info, Position>,
}

/// Closes an empty position (no stake, no owed rewards, no open tickets) and
/// returns its rent. With nothing staked, nothing has accrued since the last
/// settlement, so the stored owed amounts are complete.
pub fn handler(ctx: Context<ClosePosition>) -> Result<()> {
    emit!(PositionClosed {
        pool: ctx.accounts.pool.key(),
        owner: ctx.accounts.owner.key(),
    });
    Ok(())
}
