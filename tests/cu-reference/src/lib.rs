//! Baselines the compute-unit benchmark measures beside the staking program,
//! built with the same compiler and flags: what an Anchor instruction costs
//! before it does anything, and what a `transfer_checked` CPI costs with no
//! account validation around it. Not deployed anywhere.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, TransferChecked};

#[cfg(target_arch = "bpf")]
use solana_compiler_builtins as _;

declare_id!("Dq5SbfRkCNUCdPck9GWWTznKWHBxRdUHkz5aRvDJdE3V");

#[program]
pub mod cu_reference {
    use super::*;

    pub fn empty(_ctx: Context<Empty>) -> Result<()> {
        Ok(())
    }

    /// Passes every account straight through: the cost is Anchor's dispatch
    /// plus the CPI and the token program's own work.
    pub fn bare_transfer_checked(
        ctx: Context<BareTransferChecked>,
        amount: u64,
        decimals: u8,
    ) -> Result<()> {
        let accounts = ctx.accounts;
        token_interface::transfer_checked(
            CpiContext::new(
                accounts.token_program.key(),
                TransferChecked {
                    from: accounts.from.to_account_info(),
                    mint: accounts.mint.to_account_info(),
                    to: accounts.to.to_account_info(),
                    authority: accounts.authority.to_account_info(),
                },
            ),
            amount,
            decimals,
        )
    }
}

#[derive(Accounts)]
pub struct Empty {}

#[derive(Accounts)]
pub struct BareTransferChecked<'info> {
    /// CHECK: checked by the token program.
    #[account(mut)]
    pub from: UncheckedAccount<'info>,
    /// CHECK: checked by the token program.
    pub mint: UncheckedAccount<'info>,
    /// CHECK: checked by the token program.
    #[account(mut)]
    pub to: UncheckedAccount<'info>,
    pub authority: Signer<'info>,
    /// CHECK: the CPI target; any program the caller names.
    pub token_program: UncheckedAccount<'info>,
}
