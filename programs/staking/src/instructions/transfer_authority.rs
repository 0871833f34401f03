use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::AuthorityTransferProposed;
use crate::state::Pool;

#[derive(Accounts)]
pub struct TransferAuthority<'info> {
    pub authority: Signer<'info>,
    #[account(mut, has_one = authority @ StakingError::NotPoolAuthority)]
    pub pool: AccountLoader<'info, Pool>,
}

/// Proposes `new_authority`, who must accept. Proposing the current authority
/// withdraws a pending proposal.
pub fn handler(ctx: Context<TransferAuthority>, new_authority: Pubkey) -> Result<()> {
    let mut pool = ctx.accounts.pool.load_mut()?;
    pool.pending_authority = if new_authority == pool.authority {
        Pubkey::default()
    } else {
        new_authority
    };
    emit!(AuthorityTransferProposed {
        pool: ctx.accounts.pool.key(),
        authority: pool.authority,
        pending_authority: pool.pending_authority(),
    });
    Ok(())
}
