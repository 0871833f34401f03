use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::{
    MAX_UNBONDING_PERIOD, NO_SHARE_CAP, NO_STAKE_CAP, POOL_SEED, STAKE_VAULT_SEED,
};
use crate::errors::StakingError;
use crate::events::PoolInitialized;
use crate::state::Pool;
use crate::token::{validate_mint, AcceptedMintAuthorities};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct InitializePoolParams {
    /// Seconds an unbond ticket stays locked.
    pub unbonding_period: u64,
    /// Smallest non-zero stake a position may hold.
    pub min_stake: u64,
    /// Cap on the pool's total stake; `None` for no cap.
    pub max_total_stake: Option<u64>,
    /// True: new operators start inactive until the authority activates them.
    pub operator_approval_required: bool,
    /// Highest commission an operator may charge, basis points (at most 10,000).
    pub max_commission_bps: u16,
    /// Largest share of total stake one operator may hold, basis points
    /// (1–10,000); `None` for no cap.
    pub max_operator_share_bps: Option<u16>,
    /// The stake mint's authorities the creator accepts (a freeze authority,
    /// a transfer-fee authority); a mint with one not accepted is refused.
    /// Recorded in the pool.
    pub accepted_mint_authorities: AcceptedMintAuthorities,
}

/// `pool_id` is chosen by the creator, so one creator can have many pools for
/// a mint; it is an argument of its own (not in `params`) because it is a seed.
#[derive(Accounts)]
#[instruction(pool_id: u64)]
pub struct InitializePool<'info> {
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(mint::token_program = token_program)]
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(
        init,
        payer = authority,
        space = Pool::SPACE,
        seeds = [
            POOL_SEED,
            stake_mint.key().as_ref(),
            authority.key().as_ref(),
            &pool_id.to_le_bytes(),
        ],
        bump,
    )]
    pub pool: AccountLoader<'info, Pool>,
    #[account(
        init,
        payer = authority,
        seeds = [STAKE_VAULT_SEED, pool.key().as_ref()],
        bump,
        token::mint = stake_mint,
        token::authority = pool,
        token::token_program = token_program,
    )]
    pub stake_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

pub fn handler(
    ctx: Context<InitializePool>,
    pool_id: u64,
    params: InitializePoolParams,
) -> Result<()> {
    require!(
        params.unbonding_period <= MAX_UNBONDING_PERIOD,
        StakingError::UnbondingPeriodTooLong
    );
    Pool::validate_operator_limits(params.max_commission_bps, params.max_operator_share_bps)?;
    let authorities = validate_mint(&ctx.accounts.stake_mint, params.accepted_mint_authorities)?;

    // A fresh zero-copy account is all zeroes: only non-zero fields are set.
    let mut pool = ctx.accounts.pool.load_init()?;
    pool.authority = ctx.accounts.authority.key();
    pool.creator = ctx.accounts.authority.key();
    pool.stake_mint = ctx.accounts.stake_mint.key();
    pool.stake_vault = ctx.accounts.stake_vault.key();
    pool.stake_token_program = ctx.accounts.token_program.key();
    pool.pool_id = pool_id;
    pool.unbonding_period = params.unbonding_period;
    pool.min_stake = params.min_stake;
    pool.max_total_stake = params.max_total_stake.unwrap_or(NO_STAKE_CAP);
    pool.bump = ctx.bumps.pool;
    pool.stake_vault_bump = ctx.bumps.stake_vault;
    pool.stake_decimals = ctx.accounts.stake_mint.decimals;
    pool.operator_approval_required = u8::from(params.operator_approval_required);
    pool.max_commission_bps = params.max_commission_bps;
    pool.max_operator_share_bps = params.max_operator_share_bps.unwrap_or(NO_SHARE_CAP);
    pool.stake_freeze_authority_accepted = u8::from(authorities.freeze.is_some());
    pool.stake_transfer_fee_authority_accepted = u8::from(authorities.transfer_fee_can_change);

    emit!(PoolInitialized {
        pool: ctx.accounts.pool.key(),
        pool_id: pool.pool_id,
        authority: pool.authority,
        stake_mint: pool.stake_mint,
        unbonding_period: pool.unbonding_period,
        min_stake: pool.min_stake,
        max_total_stake: pool.max_total_stake,
        operator_approval_required: params.operator_approval_required,
        max_commission_bps: pool.max_commission_bps,
        max_operator_share_bps: pool.max_operator_share_bps,
        stake_mint_freeze_authority: authorities.freeze,
        stake_mint_transfer_fee_authority: authorities.transfer_fee,
        stake_mint_transfer_fee_can_change: authorities.transfer_fee_can_change,
    });
    Ok(())
}
