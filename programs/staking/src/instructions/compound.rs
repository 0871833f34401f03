use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::StakingError;
use crate::events::RewardsCompounded;
use crate::state::{Pool, Position};
use crate::token::{received, transfer_from_vault};

#[derive(Accounts)]
#[instruction(stream_index: u8)]
pub struct Compound<'info> {
    pub owner: Signer<'info>,
    #[account(
        mut,
        has_one = stake_mint,
        has_one = stake_vault,
        constraint = pool.stake_token_program == token_program.key() @ StakingError::InvalidTokenProgram,
        constraint = pool.stream(stream_index)?.reward_mint == pool.stake_mint
            @ StakingError::CompoundMintMismatch,
        constraint = pool.stream(stream_index)?.reward_vault == reward_vault.key()
            @ StakingError::InvalidRewardVault,
    )]
    pub pool: Box<Account<'info, Pool>>,
    #[account(mut, has_one = owner, has_one = pool)]
    pub position: Box<Account<'info, Position>>,
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut)]
    pub stake_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub reward_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// Restakes a stream's owed rewards (the stream must pay the stake mint): the
/// tokens move vault to vault, never through the owner.
pub fn handler(ctx: Context<Compound>, stream_index: u8) -> Result<()> {
    let accounts = ctx.accounts;
    let pool = &mut accounts.pool;
    let position = &mut accounts.position;
    pool.require_not_paused()?;
    let now = Clock::get()?.unix_timestamp;
    pool.accrue_all(now)?;
    position.settle_all(pool)?;

    let reward = position
        .rewards
        .get_mut(stream_index as usize)
        .ok_or(StakingError::InvalidStreamIndex)?;
    let amount = reward.owed;
    require!(amount > 0, StakingError::NothingToClaim);
    reward.owed = 0;
    pool.stream_mut(stream_index)?.record_payout(amount)?;

    let stake_vault_info = accounts.stake_vault.to_account_info();
    let before = accounts.stake_vault.amount;
    transfer_from_vault(
        pool,
        &pool.to_account_info(),
        &accounts.token_program.to_account_info(),
        &accounts.reward_vault.to_account_info(),
        &accounts.stake_mint.to_account_info(),
        &stake_vault_info,
        amount,
        pool.stake_decimals,
    )?;
    let credited = received(before, &stake_vault_info)?;
    pool.add_stake(&mut position.staked, credited)?;

    emit!(RewardsCompounded {
        pool: pool.key(),
        owner: position.owner,
        stream_index,
        amount,
        staked: credited,
    });
    Ok(())
}
