use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::{SlashSettingsApplied, SlashSettingsScheduled};
use crate::state::{Pool, SlashSettings};
use crate::token::is_token_account_for_mint;

#[derive(Accounts)]
pub struct SetSlasher<'info> {
    pub authority: Signer<'info>,
    #[account(mut, has_one = authority @ StakingError::NotPoolAuthority)]
    pub pool: AccountLoader<'info, Pool>,
    /// CHECK: where slashed stake goes, checked in the handler to be a token
    /// account of the stake mint (not the stake vault); omitted (the program
    /// id in its place) when removing the slasher.
    pub slash_destination: Option<UncheckedAccount<'info>>,
}

/// Sets who may slash the pool's operators, where slashed stake goes and the
/// most one slash may take (`slasher: None` turns slashing off). Removing the
/// slasher, or lowering the maximum of the slasher in force, applies at once;
/// a new slasher or a higher maximum applies after two unbonding periods, so
/// delegators who disagree can leave first (their tickets stay answerable
/// until withdrawn, one unbonding period after they unstake).
pub fn handler(
    ctx: Context<SetSlasher>,
    slasher: Option<Pubkey>,
    max_slash_bps: u16,
) -> Result<()> {
    let pool_key = ctx.accounts.pool.key();
    let now = Clock::get()?.unix_timestamp;
    let mut pool = ctx.accounts.pool.load_mut()?;
    if let Some(applied) = pool.apply_due_slash_settings(now) {
        emit_applied(pool_key, applied);
    }
    let requested = match slasher {
        None => SlashSettings::default(),
        Some(slasher) => {
            require!(slasher != Pubkey::default(), StakingError::NotSlasher);
            let destination = ctx
                .accounts
                .slash_destination
                .as_ref()
                .ok_or(StakingError::InvalidSlashDestination)?;
            require!(
                destination.key() != pool.stake_vault
                    && is_token_account_for_mint(
                        destination,
                        &pool.stake_mint,
                        &pool.stake_token_program,
                    )?,
                StakingError::InvalidSlashDestination
            );
            SlashSettings {
                slasher,
                destination: destination.key(),
                max_slash_bps,
            }
        }
    };
    match pool.request_slash_settings(requested, now)? {
        None => emit_applied(pool_key, requested),
        Some(effective_at) => emit!(SlashSettingsScheduled {
            pool: pool_key,
            slasher: requested.slasher,
            slash_destination: requested.destination,
            max_slash_bps: requested.max_slash_bps,
            effective_at,
        }),
    }
    Ok(())
}

pub fn emit_applied(pool: Pubkey, settings: SlashSettings) {
    emit!(SlashSettingsApplied {
        pool,
        slasher: settings.slasher,
        slash_destination: settings.destination,
        max_slash_bps: settings.max_slash_bps,
    });
}
