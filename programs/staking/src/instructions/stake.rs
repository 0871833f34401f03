use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::Staked;
use crate::settlement::*;
use crate::state::{Pool, Position};
use crate::token::{received, token_balance, transfer_from_user};

#[derive(Accounts)]
pub struct Stake<'info> {
    pub owner: Signer<'info>,
    #[account(
        mut,
        has_one = stake_mint @ StakingError::InvalidStakeMint,
        has_one = stake_vault @ StakingError::InvalidStakeVault,
        constraint = pool.load()?.stake_token_program == token_program.key()
            @ StakingError::InvalidTokenProgram,
    )]
    pub pool: AccountLoader<'info, Pool>,
    #[account(
        mut,
        has_one = owner @ StakingError::NotPositionOwner,
        has_one = pool @ StakingError::PoolMismatch,
    )]
    pub position: AccountLoader<'info, Position>,
    pub delegated: PositionDelegation<'info>,
    /// CHECK: the pool's stake mint (`has_one`); the token program checks it
    /// against both token accounts and the decimals.
    pub stake_mint: UncheckedAccount<'info>,
    /// CHECK: the pool's stake vault (`has_one`), a token account this program
    /// created.
    #[account(mut)]
    pub stake_vault: UncheckedAccount<'info>,
    /// CHECK: the source; the token program checks its mint and that the owner
    /// signed for it.
    #[account(mut)]
    pub owner_token_account: UncheckedAccount<'info>,
    /// CHECK: the pool's stake token program (constraint on `pool`), which
    /// `initialize_pool` accepted only as SPL Token or Token-2022.
    pub token_program: UncheckedAccount<'info>,
}

/// Stakes `amount` into an open position. Rewards are settled first; what the
/// vault receives is what gets credited.
pub fn handler(ctx: Context<Stake>, amount: u64) -> Result<()> {
    require!(amount > 0, StakingError::ZeroAmount);
    let accounts = ctx.accounts;
    let mut pool = accounts.pool.load_mut()?;
    pool.require_not_paused()?;
    let now = Clock::get()?.unix_timestamp;
    let mut position = accounts.position.load_mut()?;
    let mut delegated = settle(
        &mut pool,
        &mut position,
        &accounts.position.key(),
        accounts.delegated.accounts(),
        now,
    )?;

    let vault = accounts.stake_vault.to_account_info();
    let before = token_balance(&vault)?;
    transfer_from_user(
        &accounts.token_program.to_account_info(),
        &accounts.owner_token_account.to_account_info(),
        &accounts.stake_mint.to_account_info(),
        &vault,
        &accounts.owner.to_account_info(),
        amount,
        pool.stake_decimals,
    )?;
    let credited = received(before, &vault)?;
    pool.add_stake(&mut position.staked, credited)?;
    if let Some(delegated) = &mut delegated {
        position.staked =
            delegated
                .operator
                .add_delegated(&mut delegated.delegation, credited, &pool)?;
    }

    emit!(Staked {
        pool: position.pool,
        owner: position.owner,
        amount: credited,
        position_staked: position.staked,
        pool_staked: pool.total_staked,
    });
    Ok(())
}
