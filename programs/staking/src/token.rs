//! Token CPIs and the Token-2022 mint policy, shared by the instructions.
use anchor_lang::prelude::*;
use anchor_spl::token_2022::spl_token_2022::{
    self,
    extension::{
        default_account_state::DefaultAccountState, BaseStateWithExtensions, ExtensionType,
        StateWithExtensions,
    },
    state::AccountState,
};
use anchor_spl::token_interface::{self, TransferChecked};

use crate::errors::StakingError;
use crate::state::Pool;

/// `transfer_checked` signed by a user.
pub fn transfer_from_user<'info>(
    token_program: &AccountInfo<'info>,
    from: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    amount: u64,
    decimals: u8,
) -> Result<()> {
    let accounts = TransferChecked {
        from: from.clone(),
        mint: mint.clone(),
        to: to.clone(),
        authority: authority.clone(),
    };
    token_interface::transfer_checked(
        CpiContext::new(token_program.key(), accounts),
        amount,
        decimals,
    )
}

/// `transfer_checked` out of a vault, signed by the pool PDA that owns it.
#[allow(clippy::too_many_arguments)]
pub fn transfer_from_vault<'info>(
    pool: &Pool,
    pool_info: &AccountInfo<'info>,
    token_program: &AccountInfo<'info>,
    vault: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    amount: u64,
    decimals: u8,
) -> Result<()> {
    let accounts = TransferChecked {
        from: vault.clone(),
        mint: mint.clone(),
        to: to.clone(),
        authority: pool_info.clone(),
    };
    pool.with_signer(|signer| {
        token_interface::transfer_checked(
            CpiContext::new_with_signer(token_program.key(), accounts, signer),
            amount,
            decimals,
        )
    })
}

/// The `amount` field of a token account (SPL Token and Token-2022 share the
/// base layout: mint, owner, amount).
pub fn token_balance(account: &AccountInfo) -> Result<u64> {
    let data = account.try_borrow_data()?;
    let bytes = data.get(64..72).ok_or(ProgramError::InvalidAccountData)?;
    Ok(u64::from_le_bytes(
        bytes
            .try_into()
            .map_err(|_| ProgramError::InvalidAccountData)?,
    ))
}

/// Tokens a vault gained across a transfer into it: with a transfer-fee mint
/// this is less than the amount sent, and it is what gets credited.
pub fn received(before: u64, vault: &AccountInfo) -> Result<u64> {
    let after = token_balance(vault)?;
    let gained = after
        .checked_sub(before)
        .ok_or(StakingError::MathOverflow)?;
    require!(gained > 0, StakingError::NothingReceived);
    Ok(gained)
}

/// Refuses mints whose extensions could move tokens out of a vault or stop it
/// moving them. Token-2022 mints are checked against an allow-list, so an
/// extension this program has not reviewed is refused too.
pub fn validate_mint(mint: &AccountInfo) -> Result<()> {
    if *mint.owner != spl_token_2022::ID {
        return Ok(());
    }
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data)?;
    for extension in state.get_extension_types()? {
        match extension {
            ExtensionType::TransferFeeConfig
            | ExtensionType::MintCloseAuthority
            | ExtensionType::InterestBearingConfig
            | ExtensionType::MetadataPointer
            | ExtensionType::TokenMetadata
            | ExtensionType::GroupPointer
            | ExtensionType::TokenGroup
            | ExtensionType::GroupMemberPointer
            | ExtensionType::TokenGroupMember
            | ExtensionType::ScaledUiAmount => {}
            ExtensionType::DefaultAccountState => {
                let default_state = state.get_extension::<DefaultAccountState>()?;
                require!(
                    default_state.state != AccountState::Frozen as u8,
                    StakingError::MintDefaultFrozen
                );
            }
            ExtensionType::PermanentDelegate => {
                return err!(StakingError::MintHasPermanentDelegate)
            }
            ExtensionType::TransferHook => return err!(StakingError::MintHasTransferHook),
            ExtensionType::NonTransferable => return err!(StakingError::MintNonTransferable),
            ExtensionType::Pausable => return err!(StakingError::MintPausable),
            _ => return err!(StakingError::UnsupportedMintExtension),
        }
    }
    Ok(())
}
