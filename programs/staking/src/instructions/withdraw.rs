use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::StakingError;
use crate::events::Withdrawn;
use crate::state::{Pool, Position, UnbondTicket};
use crate::token::transfer_from_vault;

#[derive(Accounts)]
pub struct Withdraw<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(
        mut,
        has_one = stake_mint,
        has_one = stake_vault,
        constraint = pool.stake_token_program == token_program.key() @ StakingError::InvalidTokenProgram,
    )]
    pub pool: Box<Account<'info, Pool>>,
    #[account(mut, has_one = owner, has_one = pool)]
    pub position: Box<Account<'info, Position>>,
    #[account(
        mut,
        close = owner,
        has_one = owner,
        has_one = pool,
        has_one = position,
    )]
    pub ticket: Box<Account<'info, UnbondTicket>>,
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut)]
    pub stake_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(
        mut,
        token::mint = stake_mint,
        token::authority = owner,
        token::token_program = token_program,
    )]
    pub owner_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// Pays out an unlocked ticket and closes it (its rent goes back to the owner).
pub fn handler(ctx: Context<Withdraw>) -> Result<()> {
    let accounts = ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    require!(now >= accounts.ticket.unlock_at, StakingError::TicketLocked);
    let amount = accounts.ticket.amount;

    let pool = &mut accounts.pool;
    pool.total_unbonding = pool
        .total_unbonding
        .checked_sub(amount)
        .ok_or(StakingError::MathOverflow)?;
    let position = &mut accounts.position;
    position.open_tickets = position
        .open_tickets
        .checked_sub(1)
        .ok_or(StakingError::MathOverflow)?;

    transfer_from_vault(
        pool,
        &pool.to_account_info(),
        &accounts.token_program.to_account_info(),
        &accounts.stake_vault.to_account_info(),
        &accounts.stake_mint.to_account_info(),
        &accounts.owner_token_account.to_account_info(),
        amount,
        pool.stake_decimals,
    )?;

    emit!(Withdrawn {
        pool: pool.key(),
        owner: position.owner,
        ticket: accounts.ticket.key(),
        amount,
    });
    Ok(())
}
