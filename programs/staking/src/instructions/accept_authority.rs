use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::AuthorityTransferred;
use crate::state::Pool;

#[derive(Accounts)]
pub struct AcceptAuthority<'info> {
    pub new_authority: Signer<'info>,
    #[account(mut)]
    pub pool: AccountLoader<'info, Pool>,
}

pub fn handler(ctx: Context<AcceptAuthority>) -> Result<()> {
    let mut pool = ctx.accounts.pool.load_mut()?;
    let pending = pool
        .pending_authority()
        .ok_or(StakingError::NoPendingAuthority)?;
    require_keys_eq!(
        pending,
        ctx.accounts.new_authority.key(),
        StakingError::NotPendingAuthority
    );
    let previous_authority = pool.authority;
    pool.authority = pending;
    pool.pending_authority = Pubkey::default();
    emit!(AuthorityTransferred {
        pool: ctx.accounts.pool.key(),
        previous_authority,
        new_authority: pending,
    });
    Ok(())
}
