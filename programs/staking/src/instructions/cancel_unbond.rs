use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::UnbondCancelled;
use crate::settlement::*;
use crate::state::{Pool, Position, UnbondTicket};

#[derive(Accounts)]
pub struct CancelUnbond<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub pool: AccountLoader<'info, Pool>,
    #[account(mut, has_one = owner, has_one = pool)]
    pub position: AccountLoader<'info, Position>,
    pub delegated: PositionDelegation<'info>,
    #[account(
        mut,
        close = owner,
        has_one = owner,
        has_one = pool,
        has_one = position,
    )]
    pub ticket: AccountLoader<'info, UnbondTicket>,
}

/// Returns a ticket's amount to stake (locked or not) and closes the ticket.
/// Same rules as staking: refused while paused, subject to the cap.
pub fn handler(ctx: Context<CancelUnbond>) -> Result<()> {
    let accounts = ctx.accounts;
    let amount = accounts.ticket.load()?.amount;
    let mut pool = accounts.pool.load_mut()?;
    let mut position = accounts.position.load_mut()?;

    let now = Clock::get()?.unix_timestamp;
    let mut delegated = settle_position(
        &mut pool,
        &mut position,
        &accounts.position.key(),
        &accounts.delegated,
        now,
    )?;

    pool.total_unbonding = pool
        .total_unbonding
        .checked_sub(amount)
        .ok_or(StakingError::MathOverflow)?;
    pool.add_stake(&mut position.staked, amount)?;
    if let Some(delegated) = &mut delegated {
        delegated.operator.add_delegated(amount, &pool)?;
    }
    position.open_tickets = position
        .open_tickets
        .checked_sub(1)
        .ok_or(StakingError::MathOverflow)?;

    emit!(UnbondCancelled {
        pool: position.pool,
        owner: position.owner,
        ticket: accounts.ticket.key(),
        amount,
    });
    Ok(())
}
