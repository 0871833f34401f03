use anchor_lang::prelude::*;

use crate::constants::MAX_UNBONDING_PERIOD;
use crate::errors::StakingError;
use crate::events::{PoolUpdated, SlashSettingsScheduled};
use crate::instructions::set_slasher::emit_applied;
use crate::state::Pool;

/// Fields left `None` keep their value. `max_total_stake: Some(u64::MAX)`
/// removes the cap.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct UpdatePoolParams {
    /// Applies to tickets created from now on; existing tickets keep their
    /// unlock time. A longer period postpones pending slash settings so that
    /// their notice still covers leaving.
    pub unbonding_period: Option<u64>,
    pub min_stake: Option<u64>,
    pub max_total_stake: Option<u64>,
    pub paused: Option<bool>,
    pub operator_approval_required: Option<bool>,
    /// Applies to operators' later commission changes; current commissions stay.
    pub max_commission_bps: Option<u16>,
    /// `Some(10_000)` removes the cap; applies to later delegations.
    pub max_operator_share_bps: Option<u16>,
}

#[derive(Accounts)]
pub struct UpdatePool<'info> {
    pub authority: Signer<'info>,
    #[account(mut, has_one = authority @ StakingError::NotPoolAuthority)]
    pub pool: AccountLoader<'info, Pool>,
}

pub fn handler(ctx: Context<UpdatePool>, params: UpdatePoolParams) -> Result<()> {
    Pool::validate_operator_limits(
        params.max_commission_bps.unwrap_or_default(),
        params.max_operator_share_bps,
    )?;
    let mut pool = ctx.accounts.pool.load_mut()?;
    if let Some(period) = params.unbonding_period {
        require!(
            period <= MAX_UNBONDING_PERIOD,
            StakingError::UnbondingPeriodTooLong
        );
        pool.unbonding_period = period;
        let now = Clock::get()?.unix_timestamp;
        if let Some(applied) = pool.apply_due_slash_settings(now) {
            emit_applied(ctx.accounts.pool.key(), applied);
        }
        if let Some(effective_at) = pool.postpone_pending_slash_settings(now)? {
            emit!(SlashSettingsScheduled {
                pool: ctx.accounts.pool.key(),
                slasher: pool.pending_slasher,
                slash_destination: pool.pending_slash_destination,
                max_slash_bps: pool.pending_max_slash_bps,
                effective_at,
            });
        }
    }
    if let Some(min_stake) = params.min_stake {
        pool.min_stake = min_stake;
    }
    if let Some(cap) = params.max_total_stake {
        pool.max_total_stake = cap;
    }
    if let Some(paused) = params.paused {
        pool.paused = u8::from(paused);
    }
    if let Some(required) = params.operator_approval_required {
        pool.operator_approval_required = u8::from(required);
    }
    if let Some(max_commission) = params.max_commission_bps {
        pool.max_commission_bps = max_commission;
    }
    if let Some(cap) = params.max_operator_share_bps {
        pool.max_operator_share_bps = cap;
    }
    emit!(PoolUpdated {
        pool: ctx.accounts.pool.key(),
        unbonding_period: pool.unbonding_period,
        min_stake: pool.min_stake,
        max_total_stake: pool.max_total_stake,
        paused: pool.is_paused(),
        operator_approval_required: pool.operator_approval_required != 0,
        max_commission_bps: pool.max_commission_bps,
        max_operator_share_bps: pool.max_operator_share_bps,
    });
    Ok(())
}
