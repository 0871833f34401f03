use anchor_lang::prelude::*;

use crate::events::AuthorityTransferProposed;
use crate::state::Pool;

#[derive(Accounts)]
pub struct TransferAuthority<'info> {
    pub authority: Signer<'info>,
    #[account(mut, has_one = authority)]
    pub pool: Box<Account<'info, Pool>>,
}

/// Proposes `new_authority`, who must accept. Proposing the current authority
/// withdraws a pending proposal.
pub fn handler(ctx: Context<TransferAuthority>, new_authority: Pubkey) -> Result<()> {
    let pool = &mut ctx.accounts.pool;
    pool.pending_authority = (new_authority != pool.authority).then_some(new_authority);
    emit!(AuthorityTransferProposed {
        pool: pool.key(),
        authority: pool.authority,
        pending_authority: pool.pending_authority,
    });
    Ok(())
}
