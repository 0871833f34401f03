use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::AuthorityTransferred;
use crate::state::Pool;

#[derive(Accounts)]
pub struct AcceptAuthority<'info> {
    pub new_authority: Signer<'info>,
    #[account(mut)]
    pub pool: Box<Account<'info, Pool>>,
}

pub fn handler(ctx: Context<AcceptAuthority>) -> Result<()> {
    let pool = &mut ctx.accounts.pool;
    let pending = pool
        .pending_authority
        .ok_or(StakingError::NoPendingAuthority)?;
    require_keys_eq!(
        pending,
        ctx.accounts.new_authority.key(),
        StakingError::NotPendingAuthority
    );
    let previous_authority = pool.authority;
    pool.authority = pending;
    pool.pending_authority = None;
    emit!(AuthorityTransferred {
        pool: pool.key(),
        previous_authority,
        new_authority: pending,
    });
    Ok(())
}
