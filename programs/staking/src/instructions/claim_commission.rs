use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::CommissionClaimed;
use crate::state::{Operator, Pool};
use crate::token::{is_token_account_of, transfer_from_vault};

#[derive(Accounts)]
#[instruction(stream_index: u8)]
pub struct ClaimCommission<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut,
        constraint = pool.load()?.stream(stream_index)?.reward_mint == reward_mint.key()
            @ StakingError::InvalidRewardMint,
        constraint = pool.load()?.stream(stream_index)?.reward_vault == reward_vault.key()
            @ StakingError::InvalidRewardVault,
        constraint = pool.load()?.stream(stream_index)?.reward_token_program == token_program.key()
            @ StakingError::InvalidTokenProgram,
    )]
    pub pool: AccountLoader<'info, Pool>,
    #[account(mut, has_one = pool @ StakingError::PoolMismatch, has_one = authority @ StakingError::NotOperatorAuthority)]
    pub operator: AccountLoader<'info, Operator>,
    /// CHECK: the stream's reward mint (constraint on `pool`).
    pub reward_mint: UncheckedAccount<'info>,
    /// CHECK: the stream's reward vault (constraint on `pool`).
    #[account(mut)]
    pub reward_vault: UncheckedAccount<'info>,
    /// CHECK: checked in the handler to be the operator authority's token
    /// account for the reward mint.
    #[account(mut)]
    pub destination: UncheckedAccount<'info>,
    /// CHECK: the stream's token program (constraint on `pool`), which
    /// `add_reward_stream` accepted only as SPL Token or Token-2022.
    pub token_program: UncheckedAccount<'info>,
}

/// Pays the operator the commission booked on one stream.
pub fn handler(ctx: Context<ClaimCommission>, stream_index: u8) -> Result<()> {
    let accounts = ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let operator_key = accounts.operator.key();
    require!(
        is_token_account_of(
            &accounts.destination,
            &accounts.reward_mint.key(),
            &accounts.authority.key(),
            &accounts.token_program.key(),
        )?,
        StakingError::InvalidDestination
    );
    let (amount, signer, decimals, pool_key) = {
        let mut pool = accounts.pool.load_mut()?;
        let mut operator = accounts.operator.load_mut()?;
        pool.accrue_all(now)?;
        operator.sync_streams(&pool)?;
        operator.apply_due_commission(operator_key, &pool, now);
        let operator_stream = operator
            .streams
            .get_mut(stream_index as usize)
            .ok_or(StakingError::InvalidStreamIndex)?;
        let amount = std::mem::take(&mut operator_stream.commission_owed);
        require!(amount > 0, StakingError::NothingToClaim);
        operator_stream.commission_claimed = operator_stream
            .commission_claimed
            .checked_add(amount)
            .ok_or(StakingError::MathOverflow)?;
        let stream = pool.stream_mut(stream_index)?;
        stream.record_payout(amount)?;
        let decimals = stream.reward_decimals;
        (amount, pool.signer(), decimals, operator.pool)
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

    emit!(CommissionClaimed {
        pool: pool_key,
        operator: operator_key,
        stream_index,
        reward_mint: accounts.reward_mint.key(),
        amount,
    });
    Ok(())
}
