//! Token staking with time-based rewards: pools, positions, up to four reward
//! streams per pool, compounding, unbonding tickets, SPL Token and Token-2022,
//! and delegation to operators who earn a commission.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

// The project's own SBF route (arch `bpf`) links compiler intrinsics from here;
// the official toolchain (arch `sbf`) provides its own.
#[cfg(target_arch = "bpf")]
use solana_compiler_builtins as _;

pub mod constants;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod math;
pub mod settlement;
pub mod state;
pub mod token;

use instructions::*;
use token::AcceptedMintAuthorities;

declare_id!("HXxvzGo3BTM8UZ7dsv1SkTSCfJ4h8RdpoJbFMGX8pAKr");

// How to report a vulnerability, embedded in the program so that explorers and
// `query-security-txt` show it. Not in CPI or client builds of this crate.
#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "Staking",
    project_url: "https://github.com/staking-protocol/staking",
    contacts: "email:security@staking-protocol.org,link:https://github.com/staking-protocol/staking/security/advisories/new",
    policy: "https://github.com/staking-protocol/staking/blob/main/SECURITY.md",
    preferred_languages: "en",
    source_code: "https://github.com/staking-protocol/staking",
    auditors: "None yet: an independent review's findings are fixed (see SECURITY.md); no formal audit"
}

#[program]
pub mod staking {
    use super::*;

    pub fn initialize_pool(
        ctx: Context<InitializePool>,
        pool_id: u64,
        params: InitializePoolParams,
    ) -> Result<()> {
        instructions::initialize_pool::handler(ctx, pool_id, params)
    }

    pub fn add_reward_stream(
        ctx: Context<AddRewardStream>,
        accepted_mint_authorities: AcceptedMintAuthorities,
    ) -> Result<()> {
        instructions::add_reward_stream::handler(ctx, accepted_mint_authorities)
    }

    pub fn fund_rewards(
        ctx: Context<FundRewards>,
        stream_index: u8,
        amount: u64,
        duration: u64,
    ) -> Result<()> {
        instructions::fund_rewards::handler(ctx, stream_index, amount, duration)
    }

    pub fn open_position(ctx: Context<OpenPosition>) -> Result<()> {
        instructions::open_position::handler(ctx)
    }

    pub fn stake(ctx: Context<Stake>, amount: u64) -> Result<()> {
        instructions::stake::handler(ctx, amount)
    }

    pub fn unstake(ctx: Context<Unstake>, amount: u64) -> Result<()> {
        instructions::unstake::handler(ctx, amount)
    }

    pub fn withdraw(ctx: Context<Withdraw>) -> Result<()> {
        instructions::withdraw::handler(ctx)
    }

    pub fn cancel_unbond(ctx: Context<CancelUnbond>) -> Result<()> {
        instructions::cancel_unbond::handler(ctx)
    }

    pub fn claim_rewards<'info>(
        ctx: Context<'info, ClaimRewards<'info>>,
        stream_index: Option<u8>,
    ) -> Result<()> {
        instructions::claim_rewards::handler(ctx, stream_index)
    }

    pub fn compound(ctx: Context<Compound>, stream_index: u8) -> Result<()> {
        instructions::compound::handler(ctx, stream_index)
    }

    pub fn update_pool(ctx: Context<UpdatePool>, params: UpdatePoolParams) -> Result<()> {
        instructions::update_pool::handler(ctx, params)
    }

    pub fn transfer_authority(
        ctx: Context<TransferAuthority>,
        new_authority: Pubkey,
    ) -> Result<()> {
        instructions::transfer_authority::handler(ctx, new_authority)
    }

    pub fn accept_authority(ctx: Context<AcceptAuthority>) -> Result<()> {
        instructions::accept_authority::handler(ctx)
    }

    pub fn recover_undistributed(
        ctx: Context<RecoverUndistributed>,
        stream_index: u8,
        amount: u64,
    ) -> Result<()> {
        instructions::recover_undistributed::handler(ctx, stream_index, amount)
    }

    pub fn close_position(ctx: Context<ClosePosition>) -> Result<()> {
        instructions::close_position::handler(ctx)
    }

    pub fn register_operator(
        ctx: Context<RegisterOperator>,
        commission_bps: u16,
        name: String,
    ) -> Result<()> {
        instructions::register_operator::handler(ctx, commission_bps, name)
    }

    pub fn update_operator(
        ctx: Context<UpdateOperator>,
        commission_bps: Option<u16>,
        name: Option<String>,
    ) -> Result<()> {
        instructions::update_operator::handler(ctx, commission_bps, name)
    }

    pub fn set_operator_active(ctx: Context<SetOperatorActive>, active: bool) -> Result<()> {
        instructions::set_operator_active::handler(ctx, active)
    }

    pub fn delegate(ctx: Context<Delegate>) -> Result<()> {
        instructions::delegate::handler(ctx)
    }

    pub fn redelegate(ctx: Context<Redelegate>) -> Result<()> {
        instructions::redelegate::handler(ctx)
    }

    pub fn undelegate(ctx: Context<Undelegate>) -> Result<()> {
        instructions::undelegate::handler(ctx)
    }

    pub fn claim_commission(ctx: Context<ClaimCommission>, stream_index: u8) -> Result<()> {
        instructions::claim_commission::handler(ctx, stream_index)
    }

    pub fn set_slasher(
        ctx: Context<SetSlasher>,
        slasher: Option<Pubkey>,
        max_slash_bps: u16,
    ) -> Result<()> {
        instructions::set_slasher::handler(ctx, slasher, max_slash_bps)
    }

    pub fn slash(ctx: Context<Slash>, bps: u16, reason: [u8; 32]) -> Result<()> {
        instructions::slash::handler(ctx, bps, reason)
    }
}
