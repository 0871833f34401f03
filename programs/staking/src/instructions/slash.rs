use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::Slashed;
use crate::instructions::set_slasher::emit_applied;
use crate::state::{Operator, Pool};
use crate::token::transfer_from_vault;

#[derive(Accounts)]
pub struct Slash<'info> {
    pub slasher: Signer<'info>,
    #[account(
        mut,
        has_one = stake_mint @ StakingError::InvalidStakeMint,
        has_one = stake_vault @ StakingError::InvalidStakeVault,
        constraint = pool.load()?.stake_token_program == token_program.key()
            @ StakingError::InvalidTokenProgram,
    )]
    pub pool: AccountLoader<'info, Pool>,
    #[account(mut, has_one = pool @ StakingError::PoolMismatch)]
    pub operator: AccountLoader<'info, Operator>,
    /// CHECK: the pool's stake mint (`has_one`); the token program checks it.
    pub stake_mint: UncheckedAccount<'info>,
    /// CHECK: the pool's stake vault (`has_one`).
    #[account(mut)]
    pub stake_vault: UncheckedAccount<'info>,
    /// CHECK: checked in the handler to be the pool's slash destination in force.
    #[account(mut)]
    pub slash_destination: UncheckedAccount<'info>,
    /// CHECK: the pool's stake token program (constraint on `pool`).
    pub token_program: UncheckedAccount<'info>,
}

/// Takes `bps` of everything the operator answers for (its delegators'
/// earning stake and the tickets unstaked from it that are still open) and
/// sends it to the pool's slash destination. Rewards up to now are settled at
/// the stake before the slash; the pool's totals drop at once. `reason`
/// identifies the evidence (a hash), carried in the event.
pub fn handler(ctx: Context<Slash>, bps: u16, reason: [u8; 32]) -> Result<()> {
    let accounts = ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let pool_key = accounts.pool.key();
    let operator_key = accounts.operator.key();
    let (paid, taken, dust, signer, decimals, operator_after) = {
        let mut pool = accounts.pool.load_mut()?;
        if let Some(applied) = pool.apply_due_slash_settings(now) {
            emit_applied(pool_key, applied);
        }
        require!(
            pool.slasher != Pubkey::default(),
            StakingError::SlashingDisabled
        );
        require_keys_eq!(
            accounts.slasher.key(),
            pool.slasher,
            StakingError::NotSlasher
        );
        require_keys_eq!(
            accounts.slash_destination.key(),
            pool.slash_destination,
            StakingError::InvalidSlashDestination
        );
        require!(
            (1..=crate::math::BPS_DENOMINATOR).contains(&bps),
            StakingError::InvalidSlashBps
        );
        require!(bps <= pool.max_slash_bps, StakingError::SlashExceedsMaximum);

        let mut operator = accounts.operator.load_mut()?;
        // Everything earned up to now is split at the stake before the slash.
        pool.accrue_all(now)?;
        operator.sync_streams(&pool)?;
        let taken = operator.slash(bps, now)?;
        let dust = pool.slash_dust;
        let paid = pool.record_slash(taken.from_delegated, taken.from_unbonding)?;
        (
            paid,
            taken,
            dust,
            pool.signer(),
            pool.stake_decimals,
            (operator.delegated, operator.unbonding),
        )
    };

    if paid > 0 {
        transfer_from_vault(
            &signer,
            &accounts.pool.to_account_info(),
            &accounts.token_program.to_account_info(),
            &accounts.stake_vault.to_account_info(),
            &accounts.stake_mint.to_account_info(),
            &accounts.slash_destination.to_account_info(),
            paid,
            decimals,
        )?;
    }

    emit!(Slashed {
        pool: pool_key,
        operator: operator_key,
        slasher: accounts.slasher.key(),
        bps,
        reason,
        from_delegated: taken.from_delegated,
        from_unbonding: taken.from_unbonding,
        dust,
        slash_destination: accounts.slash_destination.key(),
        operator_delegated: operator_after.0,
        operator_unbonding: operator_after.1,
    });
    Ok(())
}
