//! Helpers for local and test clusters: funded users and token mints, made
//! with real transactions signed by the client's payer.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::system_instruction;
use anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent;
use anchor_spl::token_2022::spl_token_2022::instruction as token_ix;
use solana_keypair::Keypair;
use solana_signer::Signer;

use staking_client::{pda, ClientError, StakingClient};

pub const LAMPORTS_PER_SOL: u64 = 1_000_000_000;
const MINT_SIZE: usize = 82;

/// Creates the owner's associated token account if missing and mints `amount`
/// base units into it, with `authority` as payer and mint authority.
pub fn mint_to_owner(
    authority: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
    decimals: u8,
    owner: &Pubkey,
    amount: u64,
) -> Result<[Instruction; 2], ClientError> {
    let account = pda::token_account(owner, mint, token_program);
    let mint_to = token_ix::mint_to_checked(
        token_program,
        mint,
        &account,
        authority,
        &[],
        amount,
        decimals,
    )
    .map_err(|e| ClientError::invalid(e.to_string()))?;
    Ok([
        create_associated_token_account_idempotent(authority, owner, mint, token_program),
        mint_to,
    ])
}

/// What a local or test cluster's setup sends through the SDK client, signed
/// by its payer.
#[allow(async_fn_in_trait)]
pub trait Funding {
    /// Sends `sol` SOL from the payer to `to`.
    async fn transfer_sol(&self, to: &Pubkey, sol: u64) -> Result<(), ClientError>;

    /// Creates a mint with the payer as its authority (and no freeze
    /// authority) and mints base units to each owner's associated token
    /// account; returns the mint's address.
    async fn create_mint(
        &self,
        decimals: u8,
        token_program: &Pubkey,
        mint_to: &[(Pubkey, u64)],
    ) -> Result<Pubkey, ClientError>;

    /// [`Self::create_mint`] with a freeze authority (which pools and streams
    /// accept only with `AcceptedMintAuthorities::freeze`).
    async fn create_mint_with(
        &self,
        decimals: u8,
        token_program: &Pubkey,
        freeze_authority: Option<&Pubkey>,
        mint_to: &[(Pubkey, u64)],
    ) -> Result<Pubkey, ClientError>;
}

impl Funding for StakingClient {
    async fn transfer_sol(&self, to: &Pubkey, sol: u64) -> Result<(), ClientError> {
        let lamports = sol
            .checked_mul(LAMPORTS_PER_SOL)
            .ok_or_else(|| ClientError::invalid(format!("{sol} SOL is too much")))?;
        self.send(&[system_instruction::transfer(&self.me()?, to, lamports)])
            .await?;
        Ok(())
    }

    async fn create_mint(
        &self,
        decimals: u8,
        token_program: &Pubkey,
        mint_to: &[(Pubkey, u64)],
    ) -> Result<Pubkey, ClientError> {
        self.create_mint_with(decimals, token_program, None, mint_to)
            .await
    }

    async fn create_mint_with(
        &self,
        decimals: u8,
        token_program: &Pubkey,
        freeze_authority: Option<&Pubkey>,
        mint_to: &[(Pubkey, u64)],
    ) -> Result<Pubkey, ClientError> {
        let authority = self.me()?;
        let mint = Keypair::new();
        let rent = self
            .rpc
            .get_minimum_balance_for_rent_exemption(MINT_SIZE)
            .await
            .map_err(|e| staking_client::error::from_rpc(&self.url, e))?;
        let token_error =
            |e: anchor_lang::prelude::ProgramError| ClientError::invalid(e.to_string());
        let mut instructions = vec![
            system_instruction::create_account(
                &authority,
                &mint.pubkey(),
                rent,
                MINT_SIZE as u64,
                token_program,
            ),
            token_ix::initialize_mint2(
                token_program,
                &mint.pubkey(),
                &authority,
                freeze_authority,
                decimals,
            )
            .map_err(token_error)?,
        ];
        for (owner, amount) in mint_to {
            instructions.extend(mint_to_owner(
                &authority,
                &mint.pubkey(),
                token_program,
                decimals,
                owner,
                *amount,
            )?);
        }
        self.send_with_signers(&instructions, &[&mint]).await?;
        Ok(mint.pubkey())
    }
}
