use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::POSITION_SEED;
use crate::errors::StakingError;
use crate::events::Staked;
use crate::state::{Pool, Position};
use crate::token::{received, transfer_from_user};

#[derive(Accounts)]
pub struct Stake<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(
        mut,
        has_one = stake_mint,
        has_one = stake_vault,
        constraint = pool.stake_token_program == token_program.key() @ StakingError::InvalidTokenProgram,
    )]
    pub pool: Box<Account<'info, Pool>>,
    #[account(
        init_if_needed,
        payer = owner,
        space = 8 + Position::INIT_SPACE,
        seeds = [POSITION_SEED, pool.key().as_ref(), owner.key().as_ref()],
        bump,
    )]
    pub position: Box<Account<'info, Position>>,
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut)]
    pub stake_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(
        mut,
        token::mint = stake_mint,
        token::token_program = token_program,
    )]
    pub owner_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// Stakes `amount` (opening the position on first use). Rewards are settled
/// first; what the vault receives is what gets credited.
pub fn handler(ctx: Context<Stake>, amount: u64) -> Result<()> {
    require!(amount > 0, StakingError::ZeroAmount);
    let accounts = ctx.accounts;
    let pool = &mut accounts.pool;
    pool.require_not_paused()?;
    let now = Clock::get()?.unix_timestamp;
    pool.accrue_all(now)?;

    let position = &mut accounts.position;
    if position.owner == Pubkey::default() {
        position.pool = pool.key();
        position.owner = accounts.owner.key();
        position.bump = ctx.bumps.position;
    }
    position.settle_all(pool)?;

    let vault_info = accounts.stake_vault.to_account_info();
    let before = accounts.stake_vault.amount;
    transfer_from_user(
        &accounts.token_program.to_account_info(),
        &accounts.owner_token_account.to_account_info(),
        &accounts.stake_mint.to_account_info(),
        &vault_info,
        &accounts.owner.to_account_info(),
        amount,
        pool.stake_decimals,
    )?;
    let credited = received(before, &vault_info)?;
    pool.add_stake(&mut position.staked, credited)?;

    emit!(Staked {
        pool: pool.key(),
        owner: position.owner,
        amount: credited,
        position_staked: position.staked,
        pool_staked: pool.total_staked,
    });
    Ok(())
}
