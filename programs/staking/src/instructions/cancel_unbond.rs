use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::UnbondCancelled;
use crate::settlement::*;
use crate::state::{Operator, Pool, Position, UnbondTicket};

#[derive(Accounts)]
pub struct CancelUnbond<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub pool: AccountLoader<'info, Pool>,
    #[account(
        mut,
        has_one = owner @ StakingError::NotPositionOwner,
        has_one = pool @ StakingError::PoolMismatch,
    )]
    pub position: AccountLoader<'info, Position>,
    pub delegated: PositionDelegation<'info>,
    #[account(
        mut,
        close = owner,
        has_one = owner @ StakingError::NotTicketOwner,
        has_one = pool @ StakingError::PoolMismatch,
        has_one = position @ StakingError::TicketPositionMismatch,
    )]
    pub ticket: AccountLoader<'info, UnbondTicket>,
    /// The operator the ticket was unstaked from, when it is not the
    /// position's operator now (the program id in its place otherwise, and for
    /// a ticket unstaked undelegated): its reserved room is released.
    #[account(mut)]
    pub ticket_operator: Option<AccountLoader<'info, Operator>>,
}

/// Returns a ticket's amount to stake (locked or not) and closes the ticket.
/// Same rules as staking: refused while paused, subject to the pool's cap; an
/// operator's share cap applies only when the stake returns to an operator it
/// did not leave.
pub fn handler(ctx: Context<CancelUnbond>) -> Result<()> {
    let accounts = ctx.accounts;
    let (amount, ticket_operator) = {
        let ticket = accounts.ticket.load()?;
        (ticket.amount, ticket.operator)
    };
    let mut pool = accounts.pool.load_mut()?;
    let mut position = accounts.position.load_mut()?;

    let now = Clock::get()?.unix_timestamp;
    let mut delegated = settle(
        &mut pool,
        &mut position,
        &accounts.position.key(),
        accounts.delegated.accounts(),
        now,
    )?;

    pool.end_unbonding(amount)?;
    pool.add_stake(&mut position.staked, amount)?;
    match &mut delegated {
        // Back to the operator it left: not a new delegation; it takes back
        // the room its ticket kept, never refused by the share cap.
        Some(delegated) if ticket_operator == delegated.operator_key => {
            require!(
                accounts.ticket_operator.is_none(),
                StakingError::OperatorMismatch
            );
            delegated.operator.return_unbonded(amount)?;
        }
        // From elsewhere (undelegated, or another operator's): a new delegation.
        Some(delegated) => {
            release_ticket_operator(&accounts.ticket_operator, ticket_operator, amount)?;
            delegated.operator.add_delegated(amount, &pool)?;
        }
        None => release_ticket_operator(&accounts.ticket_operator, ticket_operator, amount)?,
    }
    position.close_ticket()?;

    emit!(UnbondCancelled {
        pool: position.pool,
        owner: position.owner,
        ticket: accounts.ticket.key(),
        amount,
    });
    Ok(())
}
