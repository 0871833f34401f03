use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::RewardsCompounded;
use crate::settlement::*;
use crate::state::{Pool, Position};
use crate::token::{received, token_balance, transfer_from_vault};

#[derive(Accounts)]
#[instruction(stream_index: u8)]
pub struct Compound<'info> {
    pub owner: Signer<'info>,
    #[account(
        mut,
        has_one = stake_mint @ StakingError::InvalidStakeMint,
        has_one = stake_vault @ StakingError::InvalidStakeVault,
        constraint = pool.load()?.stake_token_program == token_program.key()
            @ StakingError::InvalidTokenProgram,
        constraint = pool.load()?.stream(stream_index)?.reward_mint == stake_mint.key()
            @ StakingError::CompoundMintMismatch,
        constraint = pool.load()?.stream(stream_index)?.reward_vault == reward_vault.key()
            @ StakingError::InvalidRewardVault,
    )]
    pub pool: AccountLoader<'info, Pool>,
    #[account(
        mut,
        has_one = owner @ StakingError::NotPositionOwner,
        has_one = pool @ StakingError::PoolMismatch,
    )]
    pub position: AccountLoader<'info, Position>,
    pub delegated: PositionDelegation<'info>,
    /// CHECK: the pool's stake mint (`has_one`), which the stream pays.
    pub stake_mint: UncheckedAccount<'info>,
    /// CHECK: the pool's stake vault (`has_one`).
    #[account(mut)]
    pub stake_vault: UncheckedAccount<'info>,
    /// CHECK: the stream's reward vault (constraint on `pool`).
    #[account(mut)]
    pub reward_vault: UncheckedAccount<'info>,
    /// CHECK: the pool's stake token program (constraint on `pool`), which
    /// `initialize_pool` accepted only as SPL Token or Token-2022.
    pub token_program: UncheckedAccount<'info>,
}

/// Restakes a stream's owed rewards (the stream must pay the stake mint): the
/// tokens move vault to vault, never through the owner.
pub fn handler(ctx: Context<Compound>, stream_index: u8) -> Result<()> {
    let accounts = ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    // The operator and delegation stay loaded across the transfer (it does not
    // touch them); the pool and position are released because the pool signs.
    let (amount, signer, decimals, mut delegated) = {
        let mut pool = accounts.pool.load_mut()?;
        pool.require_not_paused()?;
        let mut position = accounts.position.load_mut()?;
        let delegated = settle(
            &mut pool,
            &mut position,
            &accounts.position.key(),
            accounts.delegated.accounts(),
            now,
        )?;
        let reward = position
            .rewards
            .get_mut(stream_index as usize)
            .ok_or(StakingError::InvalidStreamIndex)?;
        let amount = reward.take_owed();
        require!(amount > 0, StakingError::NothingToClaim);
        pool.stream_mut(stream_index)?.record_payout(amount)?;
        (amount, pool.signer(), pool.stake_decimals, delegated)
    };

    let stake_vault = accounts.stake_vault.to_account_info();
    let before = token_balance(&stake_vault)?;
    transfer_from_vault(
        &signer,
        &accounts.pool.to_account_info(),
        &accounts.token_program.to_account_info(),
        &accounts.reward_vault.to_account_info(),
        &accounts.stake_mint.to_account_info(),
        &stake_vault,
        amount,
        decimals,
    )?;
    let credited = received(before, &stake_vault)?;
    let mut pool = accounts.pool.load_mut()?;
    let mut position = accounts.position.load_mut()?;
    pool.add_stake(&mut position.staked, credited)?;
    if let Some(delegated) = &mut delegated {
        // The delegator's own rewards, not a new delegation: never refused by
        // the operator's share cap, so others' exits cannot trap it.
        position.staked = delegated
            .operator
            .add_returning(&mut delegated.delegation, credited)?;
    }

    emit!(RewardsCompounded {
        pool: position.pool,
        owner: position.owner,
        stream_index,
        amount,
        staked: credited,
    });
    Ok(())
}
