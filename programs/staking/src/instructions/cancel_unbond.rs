use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::UnbondCancelled;
use crate::settlement::settle_position;
use crate::state::{Delegation, Operator, Pool, Position, UnbondTicket};

#[derive(Accounts)]
pub struct CancelUnbond<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub pool: AccountLoader<'info, Pool>,
    #[account(mut, has_one = owner, has_one = pool)]
    pub position: AccountLoader<'info, Position>,
    /// The position's operator, when it is delegated.
    #[account(mut)]
    pub operator: Option<AccountLoader<'info, Operator>>,
    /// The position's delegation, when it is delegated.
    #[account(mut)]
    pub delegation: Option<AccountLoader<'info, Delegation>>,
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
        accounts.operator.as_ref(),
        accounts.delegation.as_ref(),
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
