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
    let ticket = accounts.ticket.load()?;
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

    let returns_to_its_operator =
        matches!(&delegated, Some(delegated) if ticket.operator == delegated.operator_key);
    let released = match &mut delegated {
        Some(delegated) if returns_to_its_operator => {
            require!(
                accounts.ticket_operator.is_none(),
                StakingError::OperatorMismatch
            );
            delegated.operator.end_unbonding(&ticket)?
        }
        _ => {
            require_answerable_window_served(&pool, &ticket, now)?;
            release_ticket(&accounts.ticket_operator, &ticket)?
        }
    };
    pool.end_unbonding(released)?;
    pool.require_not_paused()?;
    // A ticket slashed to nothing returns nothing and still closes.
    if released.value > 0 {
        pool.add_stake(&mut position.staked, released.value)?;
        if let Some(LoadedDelegation {
            operator,
            delegation,
            ..
        }) = &mut delegated
        {
            position.staked = if returns_to_its_operator {
                // Not a new delegation: it takes back the room its ticket
                // kept, never refused by the share cap.
                operator.add_returning(delegation, released.value)?
            } else {
                // From elsewhere (undelegated, or another operator's).
                operator.add_delegated(delegation, released.value, &pool)?
            };
        }
    }
    position.close_ticket()?;

    emit!(UnbondCancelled {
        pool: position.pool,
        owner: position.owner,
        ticket: accounts.ticket.key(),
        amount: released.value,
    });
    Ok(())
}

/// In a pool that can slash, a ticket unstaked from an operator may go to
/// stake elsewhere only once it has unlocked, i.e. after answering to that
/// operator for a whole unbonding period; before that only back to it.
fn require_answerable_window_served(pool: &Pool, ticket: &UnbondTicket, now: i64) -> Result<()> {
    require!(
        ticket.operator == Pubkey::default()
            || !pool.slashing_possible()
            || now >= ticket.unlock_at,
        StakingError::TicketStillAnswerable
    );
    Ok(())
}
