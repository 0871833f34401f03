use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::MAX_REWARD_DURATION;
use crate::errors::StakingError;
use crate::events::RewardsFunded;
use crate::math::MathError;
use crate::state::Pool;
use crate::token::{received, transfer_from_user};

#[derive(Accounts)]
#[instruction(stream_index: u8)]
pub struct FundRewards<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut,
        has_one = authority @ StakingError::NotPoolAuthority,
        constraint = pool.load()?.stream(stream_index)?.reward_vault == reward_vault.key()
            @ StakingError::InvalidRewardVault,
        constraint = pool.load()?.stream(stream_index)?.reward_token_program == token_program.key()
            @ StakingError::InvalidTokenProgram,
    )]
    pub pool: AccountLoader<'info, Pool>,
    #[account(address = pool.load()?.stream(stream_index)?.reward_mint @ StakingError::InvalidRewardMint)]
    pub reward_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut)]
    pub reward_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(
        mut,
        token::mint = reward_mint,
        token::token_program = token_program,
    )]
    pub funder_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// Starts a new reward period of `duration` seconds for `amount` (plus what the
/// running period had left). Only the vault's actual gain is scheduled.
pub fn handler(
    ctx: Context<FundRewards>,
    stream_index: u8,
    amount: u64,
    duration: u64,
) -> Result<()> {
    require!(amount > 0, StakingError::ZeroAmount);
    require!(
        (1..=MAX_REWARD_DURATION).contains(&duration),
        StakingError::InvalidRewardDuration
    );
    let accounts = ctx.accounts;
    let mut pool = accounts.pool.load_mut()?;
    pool.require_not_paused()?;
    let now = Clock::get()?.unix_timestamp;
    pool.accrue_stream(stream_index, now)?;

    let vault_info = accounts.reward_vault.to_account_info();
    let before = accounts.reward_vault.amount;
    let decimals = pool.stream(stream_index)?.reward_decimals;
    transfer_from_user(
        &accounts.token_program.to_account_info(),
        &accounts.funder_token_account.to_account_info(),
        &accounts.reward_mint.to_account_info(),
        &vault_info,
        &accounts.authority.to_account_info(),
        amount,
        decimals,
    )?;
    let credited = received(before, &vault_info)?;

    let pool_key = accounts.pool.key();
    let stream = pool.stream_mut(stream_index)?;
    let mut curve = stream.curve();
    curve
        .fund(now, credited, duration)
        .map_err(|error| match error {
            MathError::Overflow => StakingError::RewardScheduleTooLarge,
            other => other.into(),
        })?;
    stream.set_curve(&curve);
    stream.total_funded = stream
        .total_funded
        .checked_add(credited)
        .ok_or(StakingError::MathOverflow)?;

    emit!(RewardsFunded {
        pool: pool_key,
        stream_index,
        amount: credited,
        duration,
        rate_q: stream.rate_q.get(),
        period_end: stream.period_end,
    });
    Ok(())
}
