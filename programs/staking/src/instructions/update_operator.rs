use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::OperatorUpdated;
use crate::math::BPS_DENOMINATOR;
use crate::state::{encode_operator_name, Operator, Pool};

#[derive(Accounts)]
pub struct UpdateOperator<'info> {
    pub authority: Signer<'info>,
    #[account(mut)]
    pub pool: AccountLoader<'info, Pool>,
    #[account(mut, has_one = pool @ StakingError::PoolMismatch, has_one = authority @ StakingError::NotOperatorAuthority)]
    pub operator: AccountLoader<'info, Operator>,
}

/// Changes the operator's name and/or commission. A decrease (or no change)
/// applies at once and cancels a scheduled increase; an increase is scheduled
/// to apply one unbonding period from now, so delegators can leave first. Any
/// call (a name change, or no change at all) also applies an increase whose
/// notice has run out, capped at the pool's maximum in force then.
pub fn handler(
    ctx: Context<UpdateOperator>,
    commission_bps: Option<u16>,
    name: Option<String>,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let operator_key = ctx.accounts.operator.key();
    let mut pool = ctx.accounts.pool.load_mut()?;
    let mut operator = ctx.accounts.operator.load_mut()?;
    // Every interval so far is settled at the commission that was in force.
    pool.accrue_all(now)?;
    operator.sync_streams(&pool)?;
    operator.apply_due_commission(operator_key, &pool, now);

    if let Some(name) = &name {
        operator.name = encode_operator_name(name)?;
    }
    if let Some(requested) = commission_bps {
        require!(
            requested <= BPS_DENOMINATOR,
            StakingError::InvalidCommission
        );
        require!(
            requested <= pool.max_commission_bps,
            StakingError::CommissionAboveMaximum
        );
        if requested <= operator.commission_bps {
            operator.commission_bps = requested;
            operator.pending_commission_bps = 0;
            operator.pending_commission_at = 0;
        } else {
            operator.schedule_increase(operator_key, requested, &pool, now)?;
        }
    }
    emit!(OperatorUpdated {
        pool: operator.pool,
        operator: operator_key,
        name: operator.name(),
        commission_bps: operator.commission_bps,
    });
    Ok(())
}
