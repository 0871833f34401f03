use anchor_lang::prelude::*;

use crate::constants::OPERATOR_SEED;
use crate::errors::StakingError;
use crate::events::OperatorRegistered;
use crate::math::BPS_DENOMINATOR;
use crate::state::{encode_operator_name, Operator, Pool};

#[derive(Accounts)]
pub struct RegisterOperator<'info> {
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(mut)]
    pub pool: AccountLoader<'info, Pool>,
    #[account(
        init,
        payer = authority,
        space = Operator::SPACE,
        seeds = [OPERATOR_SEED, pool.key().as_ref(), authority.key().as_ref()],
        bump,
    )]
    pub operator: AccountLoader<'info, Operator>,
    pub system_program: Program<'info, System>,
}

/// Registers the signer as an operator of the pool. Active at once, unless the
/// pool requires the authority's approval (`set_operator_active`).
pub fn handler(ctx: Context<RegisterOperator>, commission_bps: u16, name: String) -> Result<()> {
    require!(
        commission_bps <= BPS_DENOMINATOR,
        StakingError::InvalidCommission
    );
    let name_field = encode_operator_name(&name)?;
    let now = Clock::get()?.unix_timestamp;
    let mut pool = ctx.accounts.pool.load_mut()?;
    require!(
        commission_bps <= pool.max_commission_bps,
        StakingError::CommissionAboveMaximum
    );
    // The operator's accumulators start where the pool's are now: it earns
    // nothing from before it existed.
    pool.accrue_all(now)?;

    let mut operator = ctx.accounts.operator.load_init()?;
    operator.pool = ctx.accounts.pool.key();
    operator.authority = ctx.accounts.authority.key();
    operator.name = name_field;
    operator.commission_bps = commission_bps;
    operator.active = u8::from(pool.operator_approval_required == 0);
    operator.bump = ctx.bumps.operator;
    operator.init_slashing();
    for (operator_stream, pool_stream) in operator.streams.iter_mut().zip(pool.streams()) {
        operator_stream.pool_checkpoint_q = pool_stream.reward_per_token_q;
    }

    emit!(OperatorRegistered {
        pool: operator.pool,
        operator: ctx.accounts.operator.key(),
        authority: operator.authority,
        name,
        commission_bps,
        active: operator.is_active(),
    });
    Ok(())
}
