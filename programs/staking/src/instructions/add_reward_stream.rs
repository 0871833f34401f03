use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::{MAX_REWARD_STREAMS, REWARD_VAULT_SEED};
use crate::errors::StakingError;
use crate::events::RewardStreamAdded;
use crate::state::{Pool, RewardStream};
use crate::token::{validate_mint, AcceptedMintAuthorities};

#[derive(Accounts)]
pub struct AddRewardStream<'info> {
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(
        mut,
        has_one = authority @ StakingError::NotPoolAuthority,
        constraint = (pool.load()?.reward_stream_count as usize) < MAX_REWARD_STREAMS
            @ StakingError::TooManyRewardStreams,
    )]
    pub pool: AccountLoader<'info, Pool>,
    #[account(
        mint::token_program = token_program,
        constraint = pool.load()?.streams().iter().all(|s| s.reward_mint != reward_mint.key())
            @ StakingError::DuplicateRewardMint,
    )]
    pub reward_mint: Box<InterfaceAccount<'info, Mint>>,
    // `init_if_needed` so that a duplicate mint (whose vault exists) reaches the
    // `DuplicateRewardMint` check above instead of failing inside `init`, which
    // Anchor runs before other accounts' constraints. An existing vault is
    // always refused.
    #[account(
        init_if_needed,
        payer = authority,
        seeds = [REWARD_VAULT_SEED, pool.key().as_ref(), reward_mint.key().as_ref()],
        bump,
        token::mint = reward_mint,
        token::authority = pool,
        token::token_program = token_program,
    )]
    pub reward_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// Adds a reward stream for `reward_mint`. `accepted_mint_authorities`: the
/// mint's authorities the pool authority accepts (recorded in the stream,
/// shown as trust assumptions); a mint with one not accepted is refused.
pub fn handler(
    ctx: Context<AddRewardStream>,
    accepted_mint_authorities: AcceptedMintAuthorities,
) -> Result<()> {
    let authorities = validate_mint(&ctx.accounts.reward_mint, accepted_mint_authorities)?;
    let now = Clock::get()?.unix_timestamp;

    let mut pool = ctx.accounts.pool.load_mut()?;
    let index = pool.reward_stream_count;
    pool.reward_streams[index as usize] = RewardStream {
        reward_mint: ctx.accounts.reward_mint.key(),
        reward_vault: ctx.accounts.reward_vault.key(),
        reward_token_program: ctx.accounts.token_program.key(),
        period_end: now,
        last_update: now,
        reward_decimals: ctx.accounts.reward_mint.decimals,
        vault_bump: ctx.bumps.reward_vault,
        freeze_authority_accepted: u8::from(authorities.freeze.is_some()),
        transfer_fee_authority_accepted: u8::from(authorities.transfer_fee_can_change),
        ..RewardStream::default()
    };
    pool.reward_stream_count = index + 1;

    emit!(RewardStreamAdded {
        pool: ctx.accounts.pool.key(),
        stream_index: index,
        reward_mint: ctx.accounts.reward_mint.key(),
        reward_vault: ctx.accounts.reward_vault.key(),
        freeze_authority: authorities.freeze,
        transfer_fee_authority: authorities.transfer_fee,
        transfer_fee_can_change: authorities.transfer_fee_can_change,
    });
    Ok(())
}
