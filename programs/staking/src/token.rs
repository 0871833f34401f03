//! Token CPIs and the Token-2022 mint policy, shared by the instructions.
use anchor_lang::prelude::*;
use anchor_spl::token_2022::spl_token_2022::{
    self,
    extension::{
        default_account_state::DefaultAccountState, mint_close_authority::MintCloseAuthority,
        transfer_fee::TransferFeeConfig, BaseStateWithExtensions, ExtensionType,
        StateWithExtensions,
    },
    state::AccountState,
};
use anchor_spl::token_interface::{self, Mint, TransferChecked};

use crate::constants::POOL_SEED;
use crate::errors::StakingError;

/// `transfer_checked` through `token_program`, which checks every account.
#[allow(clippy::too_many_arguments)]
fn transfer_checked<'info>(
    token_program: &AccountInfo<'info>,
    from: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    amount: u64,
    decimals: u8,
    signer_seeds: &[&[&[u8]]],
) -> Result<()> {
    let accounts = TransferChecked {
        from: from.clone(),
        mint: mint.clone(),
        to: to.clone(),
        authority: authority.clone(),
    };
    token_interface::transfer_checked(
        CpiContext::new_with_signer(token_program.key(), accounts, signer_seeds),
        amount,
        decimals,
    )
}

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
    transfer_checked(
        token_program,
        from,
        mint,
        to,
        authority,
        amount,
        decimals,
        &[],
    )
}

/// What signs for a pool's vaults: the pool PDA's seeds, copied out of the pool
/// so that no borrow of the pool account is held across the CPI.
#[derive(Clone, Copy)]
pub struct PoolSigner {
    pub stake_mint: Pubkey,
    pub creator: Pubkey,
    pub pool_id: u64,
    pub bump: u8,
}

impl PoolSigner {
    fn with_seeds<R>(&self, f: impl FnOnce(&[&[&[u8]]]) -> R) -> R {
        let pool_id = self.pool_id.to_le_bytes();
        let bump = [self.bump];
        let seeds: [&[u8]; 5] = [
            POOL_SEED,
            self.stake_mint.as_ref(),
            self.creator.as_ref(),
            &pool_id,
            &bump,
        ];
        f(&[&seeds])
    }
}

/// `transfer_checked` out of a vault, signed by the pool PDA that owns it.
#[allow(clippy::too_many_arguments)]
pub fn transfer_from_vault<'info>(
    signer: &PoolSigner,
    pool_info: &AccountInfo<'info>,
    token_program: &AccountInfo<'info>,
    vault: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    amount: u64,
    decimals: u8,
) -> Result<()> {
    signer.with_seeds(|seeds| {
        transfer_checked(
            token_program,
            vault,
            mint,
            to,
            pool_info,
            amount,
            decimals,
            seeds,
        )
    })
}

/// Whether `account` is a token account of `token_program` for `mint` owned by
/// `owner`, read from the base layout SPL Token and Token-2022 share (mint,
/// then owner). Used where the token program would accept any destination but
/// the protocol pays only the position's owner.
pub fn is_token_account_of(
    account: &AccountInfo,
    mint: &Pubkey,
    owner: &Pubkey,
    token_program: &Pubkey,
) -> Result<bool> {
    let data = account.try_borrow_data()?;
    Ok(account.owner == token_program
        && data.len() >= 64
        && data[..32] == mint.to_bytes()
        && data[32..64] == owner.to_bytes())
}

/// The `amount` field of a token account (SPL Token and Token-2022 share the
/// base layout: mint, owner, amount).
/// Whether `account` is a token account of `mint` under `token_program`
/// (anyone's).
pub fn is_token_account_for_mint(
    account: &AccountInfo,
    mint: &Pubkey,
    token_program: &Pubkey,
) -> Result<bool> {
    let data = account.try_borrow_data()?;
    Ok(account.owner == token_program && data.len() >= 64 && data[..32] == mint.to_bytes())
}

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

/// Mint authorities that can block or tax a vault's transfers out. A pool or
/// stream takes a mint with one only when its creator accepts it; each
/// acceptance is recorded and shown as a trust assumption.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AcceptedMintAuthorities {
    /// A freeze authority: it can freeze the vault, and so every exit.
    pub freeze: bool,
    /// A Token-2022 transfer-fee authority: it can raise the fee on every
    /// transfer out of the vault, up to 100%, two epochs after setting it.
    pub transfer_fee: bool,
}

/// The authorities of a mint that passed [`validate_mint`] (each accepted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MintAuthorities {
    pub freeze: Option<Pubkey>,
    pub transfer_fee: Option<Pubkey>,
    /// The transfer fee can still change: through its authority, or a fee
    /// scheduled for a later epoch (which outlives giving the authority up).
    pub transfer_fee_can_change: bool,
}

/// Refuses mints that could move tokens out of a vault or stop it moving them,
/// for the life of the pool, not only today: Token-2022 mints are checked
/// against an allow-list (an extension this program has not reviewed is
/// refused too), and a mint with a close authority is refused because, closed
/// at zero supply, it can be re-created at the same address with any
/// extension (a permanent delegate). Extensions cannot be added to a live
/// mint, and a freeze or fee authority cannot be added once absent, so what
/// passes here holds as long as the mint exists.
///
/// A freeze authority can freeze a vault and so block exits; a transfer-fee
/// authority, or a fee change scheduled before it was given up, can raise the
/// fee on exits to 100%. Many tokens (stablecoins
/// among them) keep such authorities, so each is accepted only when the
/// caller opts in (`accepted`, recorded in the pool and shown as a trust
/// assumption). A transfer fee with no authority and no change scheduled is
/// fixed and accepted: the program credits what a vault receives.
/// The epoch from which a Token-2022 mint's transfer fee differs from the one
/// in force (`newer` unlike `older`), if it does: from then on the fee changes
/// even with no fee authority left. The program refuses such a mint unless it
/// is accepted; the SDK shows it.
pub fn scheduled_fee_change(config: &TransferFeeConfig) -> Option<u64> {
    let (older, newer) = (&config.older_transfer_fee, &config.newer_transfer_fee);
    ((newer.transfer_fee_basis_points, newer.maximum_fee)
        != (older.transfer_fee_basis_points, older.maximum_fee))
        .then(|| u64::from(newer.epoch))
}

pub fn validate_mint(
    mint: &InterfaceAccount<Mint>,
    accepted: AcceptedMintAuthorities,
) -> Result<MintAuthorities> {
    let mut authorities = MintAuthorities {
        freeze: mint.freeze_authority.into(),
        ..MintAuthorities::default()
    };
    require!(
        authorities.freeze.is_none() || accepted.freeze,
        StakingError::MintHasFreezeAuthority
    );
    let info = mint.to_account_info();
    if *info.owner != spl_token_2022::ID {
        return Ok(authorities);
    }
    let data = info.try_borrow_data()?;
    let state = StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data)?;
    for extension in state.get_extension_types()? {
        match extension {
            ExtensionType::InterestBearingConfig
            | ExtensionType::MetadataPointer
            | ExtensionType::TokenMetadata
            | ExtensionType::GroupPointer
            | ExtensionType::TokenGroup
            | ExtensionType::GroupMemberPointer
            | ExtensionType::TokenGroupMember
            | ExtensionType::ScaledUiAmount => {}
            ExtensionType::TransferFeeConfig => {
                let config = state.get_extension::<TransferFeeConfig>()?;
                authorities.transfer_fee = config.transfer_fee_config_authority.into();
                // A fee set before the authority was given up still takes
                // effect at its epoch: only then is a fee with no authority fixed.
                let now = Clock::get()?.epoch;
                let scheduled = scheduled_fee_change(config).is_some_and(|epoch| epoch > now);
                authorities.transfer_fee_can_change =
                    authorities.transfer_fee.is_some() || scheduled;
                require!(
                    !authorities.transfer_fee_can_change || accepted.transfer_fee,
                    StakingError::MintHasTransferFeeAuthority
                );
            }
            ExtensionType::MintCloseAuthority => {
                let close = state.get_extension::<MintCloseAuthority>()?;
                require!(
                    Option::<Pubkey>::from(close.close_authority).is_none(),
                    StakingError::MintHasCloseAuthority
                );
            }
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
    Ok(authorities)
}
