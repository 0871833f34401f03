use anchor_lang::prelude::*;

use crate::constants::{POSITION_SEED, UNBOND_TICKET_SEED};
use crate::errors::StakingError;
use crate::events::Unstaked;
use crate::state::{Pool, Position, UnbondTicket};

#[derive(Accounts)]
pub struct Unstake<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub pool: Box<Account<'info, Pool>>,
    #[account(
        mut,
        seeds = [POSITION_SEED, pool.key().as_ref(), owner.key().as_ref()],
        bump = position.bump,
        has_one = owner,
        has_one = pool,
    )]
    pub position: Box<Account<'info, Position>>,
    #[account(
        init,
        payer = owner,
        space = 8 + UnbondTicket::INIT_SPACE,
        seeds = [UNBOND_TICKET_SEED, position.key().as_ref(), &position.next_ticket_id.to_le_bytes()],
        bump,
    )]
    pub ticket: Box<Account<'info, UnbondTicket>>,
    pub system_program: Program<'info, System>,
}

/// Stops `amount` earning now and locks it in a new unbond ticket for the
/// pool's current unbonding period. Works while the pool is paused.
pub fn handler(ctx: Context<Unstake>, amount: u64) -> Result<()> {
    require!(amount > 0, StakingError::ZeroAmount);
    let accounts = ctx.accounts;
    let pool = &mut accounts.pool;
    let position = &mut accounts.position;
    let remaining = position
        .staked
        .checked_sub(amount)
        .ok_or(StakingError::InsufficientStake)?;
    require!(
        remaining == 0 || remaining >= pool.min_stake,
        StakingError::BelowMinimumStake
    );

    let now = Clock::get()?.unix_timestamp;
    pool.accrue_all(now)?;
    position.settle_all(pool)?;

    position.staked = remaining;
    pool.total_staked = pool
        .total_staked
        .checked_sub(amount)
        .ok_or(StakingError::MathOverflow)?;
    pool.total_unbonding = pool
        .total_unbonding
        .checked_add(amount)
        .ok_or(StakingError::MathOverflow)?;

    let period = i64::try_from(pool.unbonding_period).map_err(|_| StakingError::MathOverflow)?;
    let unlock_at = now.checked_add(period).ok_or(StakingError::MathOverflow)?;
    let ticket_id = position.next_ticket_id;
    position.next_ticket_id = ticket_id.checked_add(1).ok_or(StakingError::MathOverflow)?;
    position.open_tickets = position
        .open_tickets
        .checked_add(1)
        .ok_or(StakingError::MathOverflow)?;
    accounts.ticket.set_inner(UnbondTicket {
        pool: pool.key(),
        position: position.key(),
        owner: position.owner,
        id: ticket_id,
        amount,
        created_at: now,
        unlock_at,
        bump: ctx.bumps.ticket,
    });

    emit!(Unstaked {
        pool: pool.key(),
        owner: position.owner,
        ticket: accounts.ticket.key(),
        amount,
        unlock_at,
    });
    Ok(())
}
