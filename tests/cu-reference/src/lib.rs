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

    /// The same transfer with a hand-built instruction and no borrow checks,
    /// accounts passed as remaining accounts: the floor of a Rust-ABI CPI.
    pub fn raw_transfer_checked<'info>(
        ctx: Context<'info, Raw>,
        amount: u64,
        decimals: u8,
    ) -> Result<()> {
        use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
        let [from, mint, to, authority, token_program] = ctx.remaining_accounts else {
            return err!(ErrorCode::AccountNotEnoughKeys);
        };
        let mut data = [0u8; 10];
        data[0] = 12;
        data[1..9].copy_from_slice(&amount.to_le_bytes());
        data[9] = decimals;
        let instruction = Instruction {
            program_id: *token_program.key,
            accounts: vec![
                AccountMeta::new(*from.key, false),
                AccountMeta::new_readonly(*mint.key, false),
                AccountMeta::new(*to.key, false),
                AccountMeta::new_readonly(*authority.key, true),
            ],
            data: data.to_vec(),
        };
        anchor_lang::solana_program::program::invoke_signed_unchecked(
            &instruction,
            &[from.clone(), mint.clone(), to.clone(), authority.clone()],
            &[],
        )?;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Empty {}

#[derive(Accounts)]
pub struct Raw {}

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
