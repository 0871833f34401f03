use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::StakingError;
use crate::events::UndistributedRecovered;
use crate::math;
use crate::state::Pool;
use crate::token::transfer_from_vault;

#[derive(Accounts)]
#[instruction(stream_index: u8)]
pub struct RecoverUndistributed<'info> {
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
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// Takes back rewards nobody is owed or scheduled to receive: emission while
/// nothing was staked, rounding dust, tokens sent to the vault directly.
pub fn handler(ctx: Context<RecoverUndistributed>, stream_index: u8, amount: u64) -> Result<()> {
    require!(amount > 0, StakingError::ZeroAmount);
    let accounts = ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let (signer, decimals) = {
        let mut pool = accounts.pool.load_mut()?;
        pool.accrue_stream(stream_index, now)?;
        let stream = pool.stream(stream_index)?;
        let recoverable = math::recoverable_rewards(accounts.reward_vault.amount, &stream.curve())?;
        require!(amount <= recoverable, StakingError::InsufficientRecoverable);
        (pool.signer(), stream.reward_decimals)
    };

    transfer_from_vault(
        &signer,
        &accounts.pool.to_account_info(),
        &accounts.token_program.to_account_info(),
        &accounts.reward_vault.to_account_info(),
        &accounts.reward_mint.to_account_info(),
        &accounts.destination.to_account_info(),
        amount,
        decimals,
    )?;

    emit!(UndistributedRecovered {
        pool: accounts.pool.key(),
        stream_index,
        amount,
        destination: accounts.destination.key(),
    });
    Ok(())
}
