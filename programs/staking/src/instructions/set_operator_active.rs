use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::OperatorStatusChanged;
use crate::state::{Operator, Pool};

#[derive(Accounts)]
pub struct SetOperatorActive<'info> {
    pub authority: Signer<'info>,
    #[account(mut, has_one = authority @ StakingError::NotPoolAuthority)]
    pub pool: AccountLoader<'info, Pool>,
    #[account(mut, has_one = pool @ StakingError::PoolMismatch)]
    pub operator: AccountLoader<'info, Operator>,
}

/// The pool authority approves (activates) or deactivates an operator. While
/// inactive it accepts no new delegations and charges no commission; its
/// delegators keep earning and may redelegate. No funds move. Reactivating an
/// operator with delegators raises what they pay from 0, so its commission
/// comes back only after the notice any increase gets.
pub fn handler(ctx: Context<SetOperatorActive>, active: bool) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let operator_key = ctx.accounts.operator.key();
    let mut pool = ctx.accounts.pool.load_mut()?;
    let mut operator = ctx.accounts.operator.load_mut()?;
    require!(
        operator.is_active() != active,
        StakingError::OperatorStatusUnchanged
    );
    // Settle what accrued under the old status before the commission changes.
    pool.accrue_all(now)?;
    operator.sync_streams(&pool)?;
    operator.set_active(operator_key, active, &pool, now)?;
    emit!(OperatorStatusChanged {
        pool: operator.pool,
        operator: operator_key,
        active,
    });
    Ok(())
}
