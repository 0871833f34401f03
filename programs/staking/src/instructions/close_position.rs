use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::PositionClosed;
use crate::state::{Pool, Position};

#[derive(Accounts)]
pub struct ClosePosition<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub pool: AccountLoader<'info, Pool>,
    #[account(
        mut,
        close = owner,
        has_one = owner @ StakingError::NotPositionOwner,
        has_one = pool @ StakingError::PoolMismatch,
    )]
    pub position: AccountLoader<'info, Position>,
}

/// Closes an empty position (no stake, no owed rewards, no open tickets) and
/// returns its rent. With nothing staked, nothing has accrued since the last
/// settlement, so the stored owed amounts are complete. What it was owed below
/// one unit per stream leaves the liabilities and becomes recoverable.
pub fn handler(ctx: Context<ClosePosition>) -> Result<()> {
    {
        // Checked here rather than as constraints: one load of the position
        // serves both checks and the forfeit.
        let position = ctx.accounts.position.load()?;
        require!(!position.is_delegated(), StakingError::PositionDelegated);
        require!(position.is_empty(), StakingError::PositionNotEmpty);
        let mut pool = ctx.accounts.pool.load_mut()?;
        let count = pool.reward_stream_count as usize;
        for (stream, fraction_q) in pool.reward_streams[..count]
            .iter_mut()
            .zip(position.fractions_q())
            .filter(|(_, fraction_q)| *fraction_q != 0)
        {
            stream.forfeit_q(fraction_q)?;
        }
    }
    emit!(PositionClosed {
        pool: ctx.accounts.pool.key(),
        owner: ctx.accounts.owner.key(),
    });
    Ok(())
}
