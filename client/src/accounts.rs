//! Decoding the program's accounts and mints from raw account data, and the
//! `memcmp` filters that list them with `getProgramAccounts`.
use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, Discriminator};
use anchor_spl::token_2022::spl_token_2022::extension::mint_close_authority::MintCloseAuthority;
use anchor_spl::token_2022::spl_token_2022::extension::transfer_fee::TransferFeeConfig;
use anchor_spl::token_2022::spl_token_2022::extension::{
    BaseStateWithExtensions, StateWithExtensions,
};
use anchor_spl::token_2022::spl_token_2022::state::Mint;
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use staking::state::{Delegation, Operator, Pool, Position, RewardStream, UnbondTicket};

use crate::error::ClientError;

/// What kind of account an address should hold, for error messages.
pub trait Named {
    const NAME: &'static str;
}
impl Named for Pool {
    const NAME: &'static str = "pool";
}
impl Named for Position {
    const NAME: &'static str = "position";
}
impl Named for UnbondTicket {
    const NAME: &'static str = "unbond ticket";
}
impl Named for Operator {
    const NAME: &'static str = "operator";
}
impl Named for Delegation {
    const NAME: &'static str = "delegation";
}

/// Decodes one of the program's accounts, checking its owner and discriminator.
pub fn decode<T: AccountDeserialize + Named>(
    program_id: &Pubkey,
    address: &Pubkey,
    owner: &Pubkey,
    data: &[u8],
) -> Result<T, ClientError> {
    if owner != program_id {
        if let Some(is) = foreign_kind(owner, data) {
            return Err(ClientError::NotA {
                address: *address,
                is,
                what: T::NAME,
            });
        }
        return Err(ClientError::WrongOwner {
            what: T::NAME,
            address: *address,
            owner: *owner,
            expected: *program_id,
        });
    }
    T::try_deserialize(&mut &data[..]).map_err(|_| match program_kind(data) {
        Some(is) => ClientError::NotA {
            address: *address,
            is,
            what: T::NAME,
        },
        None => ClientError::WrongAccountType {
            what: T::NAME,
            address: *address,
        },
    })
}

/// The owners of programs (and of their data): the native loader (builtin
/// programs) and the BPF loaders, deprecated, current, upgradeable and v4.
const LOADERS: [Pubkey; 5] = [
    Pubkey::from_str_const("NativeLoader1111111111111111111111111111111"),
    Pubkey::from_str_const("BPFLoader1111111111111111111111111111111111"),
    Pubkey::from_str_const("BPFLoader2111111111111111111111111111111111"),
    Pubkey::from_str_const("BPFLoaderUpgradeab1e11111111111111111111111"),
    Pubkey::from_str_const("LoaderV411111111111111111111111111111111111"),
];

/// What an account that is not the staking program's is, when it is one of
/// the common kinds people paste by mistake: a wallet or a token account or
/// mint (by the token programs' layouts: 82 bytes for a mint, 165 for a token
/// account, and Token-2022's account-type byte at 165 past those).
pub fn foreign_kind(owner: &Pubkey, data: &[u8]) -> Option<&'static str> {
    if *owner == anchor_lang::solana_program::system_program::ID {
        return Some("a wallet (system account)");
    }
    if LOADERS.contains(owner) {
        return Some("a program");
    }
    if *owner != anchor_spl::token::ID && *owner != anchor_spl::token_2022::ID {
        return None;
    }
    match (data.len(), data.get(165)) {
        (82, _) | (166.., Some(1)) => Some("a token mint"),
        (165, _) | (166.., Some(2)) => Some("a token account"),
        _ => None,
    }
}

/// Which of the staking program's accounts `data` is, by its discriminator.
fn program_kind(data: &[u8]) -> Option<&'static str> {
    let discriminator = data.get(..8)?;
    [
        (Pool::DISCRIMINATOR, Pool::NAME),
        (Position::DISCRIMINATOR, Position::NAME),
        (UnbondTicket::DISCRIMINATOR, UnbondTicket::NAME),
        (Operator::DISCRIMINATOR, Operator::NAME),
        (Delegation::DISCRIMINATOR, Delegation::NAME),
    ]
    .into_iter()
    .find(|(expected, _)| *expected == discriminator)
    .map(|(_, name)| match name {
        "pool" => "a pool",
        "position" => "a position",
        "unbond ticket" => "an unbond ticket",
        "operator" => "an operator",
        _ => "a delegation",
    })
}

/// A pool's reward stream, or an error naming the pool and its stream count.
pub fn reward_stream(
    pool_address: &Pubkey,
    pool: &Pool,
    index: u8,
) -> Result<RewardStream, ClientError> {
    pool.streams()
        .get(index as usize)
        .copied()
        .ok_or(ClientError::NoSuchStream {
            pool: *pool_address,
            index,
            count: pool.reward_stream_count,
        })
}

/// What the client needs of a mint: decimals, token program, and the
/// authorities the program's mint policy looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MintInfo {
    pub address: Pubkey,
    pub decimals: u8,
    pub token_program: Pubkey,
    /// Can freeze any token account of the mint, a pool's vaults included: a
    /// pool or stream accepts such a mint only when asked to
    /// (`AcceptedMintAuthorities::freeze`).
    pub freeze_authority: Option<Pubkey>,
    /// Token-2022 `MintCloseAuthority` with an authority set: refused by the
    /// program (`MintHasCloseAuthority`).
    pub close_authority: Option<Pubkey>,
    /// Token-2022 `TransferFeeConfig` authority: can raise the fee on every
    /// transfer out of a vault; accepted only when asked to.
    pub transfer_fee_authority: Option<Pubkey>,
    /// The epoch from which a different transfer fee is scheduled (set before
    /// the authority, if any, was given up): until that epoch has begun the
    /// fee can still change, so it needs accepting like an authority.
    pub transfer_fee_change_epoch: Option<u64>,
}

fn coption_key(bytes: &[u8]) -> Option<Pubkey> {
    let tag = u32::from_le_bytes(bytes[..4].try_into().expect("4 bytes"));
    let key = Pubkey::new_from_array(bytes[4..36].try_into().expect("32 bytes"));
    (tag == 1).then_some(key)
}

pub fn decode_mint(address: &Pubkey, owner: &Pubkey, data: &[u8]) -> Result<MintInfo, ClientError> {
    let is_token_program = *owner == anchor_spl::token::ID || *owner == anchor_spl::token_2022::ID;
    // Base mint layout: mint authority option (36), supply (8), decimals (1),
    // initialized (1), freeze authority option (36).
    if !is_token_program || data.len() < 82 || data[45] != 1 {
        if let Some(is) = foreign_kind(owner, data).filter(|is| *is != "a token mint") {
            return Err(ClientError::NotA {
                address: *address,
                is,
                what: "token mint",
            });
        }
        return Err(ClientError::WrongAccountType {
            what: "token mint",
            address: *address,
        });
    }
    let (close_authority, transfer_fee_authority, transfer_fee_change_epoch) =
        token_2022_authorities(owner, data);
    Ok(MintInfo {
        address: *address,
        decimals: data[44],
        token_program: *owner,
        freeze_authority: coption_key(&data[46..82]),
        close_authority,
        transfer_fee_authority,
        transfer_fee_change_epoch,
    })
}

/// A Token-2022 mint's close authority, transfer-fee authority, and the epoch
/// of a different fee scheduled (none for an SPL Token mint).
fn token_2022_authorities(
    owner: &Pubkey,
    data: &[u8],
) -> (Option<Pubkey>, Option<Pubkey>, Option<u64>) {
    if *owner != anchor_spl::token_2022::ID {
        return (None, None, None);
    }
    let Ok(state) = StateWithExtensions::<Mint>::unpack(data) else {
        return (None, None, None);
    };
    let close = state
        .get_extension::<MintCloseAuthority>()
        .ok()
        .and_then(|e| e.close_authority.into());
    let fee = state.get_extension::<TransferFeeConfig>().ok();
    let fee_authority = fee.and_then(|e| e.transfer_fee_config_authority.into());
    let change_epoch = fee.and_then(staking::token::scheduled_fee_change);
    (close, fee_authority, change_epoch)
}

/// The error for an account that is not a (initialized) token account:
/// naming what it is when [`foreign_kind`] recognised it.
fn not_a_token_account(address: &Pubkey, kind: Option<&'static str>) -> ClientError {
    match kind {
        Some(is) if is != "a token account" => ClientError::NotA {
            address: *address,
            is,
            what: "token account",
        },
        // "<X> is not a token account".
        _ => ClientError::WrongAccountType {
            what: "token",
            address: *address,
        },
    }
}

/// A token account's balance (base layout shared by both token programs).
pub fn decode_token_balance(
    address: &Pubkey,
    owner: &Pubkey,
    data: &[u8],
) -> Result<u64, ClientError> {
    let is_token_program = *owner == anchor_spl::token::ID || *owner == anchor_spl::token_2022::ID;
    match data.get(64..72) {
        Some(bytes) if is_token_program => {
            Ok(u64::from_le_bytes(bytes.try_into().expect("8 bytes")))
        }
        _ => Err(not_a_token_account(address, foreign_kind(owner, data))),
    }
}

/// What the client needs of a token account: its mint, owner and balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenAccountInfo {
    pub address: Pubkey,
    pub mint: Pubkey,
    /// Who may move its tokens (not the token program, which owns the account).
    pub owner: Pubkey,
    pub amount: u64,
    pub token_program: Pubkey,
}

/// A token account of either token program (by the layouts
/// [`foreign_kind`] reads), initialized.
pub fn decode_token_account(
    address: &Pubkey,
    program_owner: &Pubkey,
    data: &[u8],
) -> Result<TokenAccountInfo, ClientError> {
    let kind = foreign_kind(program_owner, data);
    // State at byte 108: 0 uninitialized, 1 initialized, 2 frozen.
    if kind != Some("a token account") || data[108] == 0 {
        return Err(not_a_token_account(address, kind));
    }
    let key = |at: usize| Pubkey::new_from_array(data[at..at + 32].try_into().expect("32 bytes"));
    Ok(TokenAccountInfo {
        address: *address,
        mint: key(0),
        owner: key(32),
        amount: u64::from_le_bytes(data[64..72].try_into().expect("8 bytes")),
        token_program: *program_owner,
    })
}

fn discriminator_filter<T: Discriminator>() -> RpcFilterType {
    RpcFilterType::Memcmp(Memcmp::new_raw_bytes(0, T::DISCRIMINATOR.to_vec()))
}

fn key_filter(offset: usize, key: &Pubkey) -> RpcFilterType {
    RpcFilterType::Memcmp(Memcmp::new_raw_bytes(offset, key.to_bytes().to_vec()))
}

/// Pools, optionally of one stake mint (at byte 8) and of one creator (at
/// byte 168).
pub fn pool_filters(stake_mint: Option<&Pubkey>, creator: Option<&Pubkey>) -> Vec<RpcFilterType> {
    let mut filters = vec![discriminator_filter::<Pool>()];
    filters.extend(stake_mint.map(|mint| key_filter(8, mint)));
    filters.extend(creator.map(|creator| key_filter(168, creator)));
    filters
}

/// Positions of an owner (pool at byte 8, owner at byte 40).
pub fn position_filters(owner: &Pubkey) -> Vec<RpcFilterType> {
    vec![discriminator_filter::<Position>(), key_filter(40, owner)]
}

/// Operators of a pool (pool at byte 8).
pub fn operator_filters(pool: &Pubkey) -> Vec<RpcFilterType> {
    vec![discriminator_filter::<Operator>(), key_filter(8, pool)]
}

/// Unbond tickets of an owner (pool at 8, position at 40, owner at 72),
/// optionally in one pool.
pub fn ticket_filters(owner: &Pubkey, pool: Option<&Pubkey>) -> Vec<RpcFilterType> {
    let mut filters = vec![
        discriminator_filter::<UnbondTicket>(),
        key_filter(72, owner),
    ];
    filters.extend(pool.map(|pool| key_filter(8, pool)));
    filters
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::Discriminator;
    use bytemuck::Zeroable;

    /// An account's bytes as the program writes them: discriminator, then the
    /// zero-copy struct.
    fn account_data<T: bytemuck::Pod + Discriminator>(value: &T) -> Vec<u8> {
        [T::DISCRIMINATOR, bytemuck::bytes_of(value)].concat()
    }

    fn position(owner: Pubkey, pool: Pubkey) -> Position {
        Position {
            pool,
            owner,
            staked: 5,
            bump: 255,
            ..Position::zeroed()
        }
    }

    #[test]
    fn decode_checks_owner_and_discriminator() {
        let (owner, pool) = (Pubkey::new_unique(), Pubkey::new_unique());
        let data = account_data(&position(owner, pool));
        let address = Pubkey::new_unique();
        let decoded: Position = decode(&staking::ID, &address, &staking::ID, &data).unwrap();
        assert_eq!(decoded.staked, 5);

        let other = Pubkey::new_unique();
        let error = decode::<Position>(&staking::ID, &address, &other, &data).unwrap_err();
        assert!(matches!(
            error,
            ClientError::WrongOwner {
                what: "position",
                ..
            }
        ));
        // Another of the program's accounts is named as what it is.
        let error = decode::<Pool>(&staking::ID, &address, &staking::ID, &data).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("{address} is a position, not a pool")
        );
        let error = decode::<Operator>(&staking::ID, &address, &staking::ID, &[0; 64]).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("{address} is not an operator account")
        );
        let error =
            decode::<UnbondTicket>(&staking::ID, &address, &staking::ID, &data[..4]).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("{address} is not an unbond ticket account")
        );
        // What people paste by mistake: a wallet, a mint, a token account.
        let system = anchor_lang::solana_program::system_program::ID;
        let error = decode::<Pool>(&staking::ID, &address, &system, &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("{address} is a wallet (system account), not a pool")
        );
        for loader in LOADERS {
            let error = decode::<Pool>(&staking::ID, &address, &loader, &[1; 36]).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("{address} is a program, not a pool")
            );
        }
        let token = anchor_spl::token::ID;
        let error = decode::<Pool>(&staking::ID, &address, &token, &[0; 82]).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("{address} is a token mint, not a pool")
        );
        let mut extended_mint = vec![0; 200];
        extended_mint[165] = 1;
        let error = decode::<Operator>(
            &staking::ID,
            &address,
            &anchor_spl::token_2022::ID,
            &extended_mint,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("{address} is a token mint, not an operator")
        );
        let error = decode::<Position>(&staking::ID, &address, &token, &[0; 165]).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("{address} is a token account, not a position")
        );
        let error = decode_mint(&address, &system, &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("{address} is a wallet (system account), not a token mint")
        );
    }

    #[test]
    fn filters_match_the_account_layouts() {
        let (owner, pool) = (Pubkey::new_unique(), Pubkey::new_unique());
        let data = account_data(&position(owner, pool));
        for filter in position_filters(&owner) {
            let RpcFilterType::Memcmp(memcmp) = filter else {
                panic!()
            };
            assert!(memcmp.bytes_match(&data), "{memcmp:?}");
        }
        let ticket_data = account_data(&UnbondTicket {
            pool,
            position: Pubkey::new_unique(),
            owner,
            amount: 1,
            ..UnbondTicket::zeroed()
        });
        for filter in ticket_filters(&owner, Some(&pool)) {
            let RpcFilterType::Memcmp(memcmp) = filter else {
                panic!()
            };
            assert!(memcmp.bytes_match(&ticket_data), "{memcmp:?}");
        }
        let (stake_mint, creator) = (Pubkey::new_unique(), Pubkey::new_unique());
        let pool_data = account_data(&Pool {
            stake_mint,
            creator,
            ..Pool::zeroed()
        });
        let filters = pool_filters(Some(&stake_mint), Some(&creator));
        assert_eq!(filters.len(), 3);
        for filter in filters {
            let RpcFilterType::Memcmp(memcmp) = filter else {
                panic!()
            };
            assert!(memcmp.bytes_match(&pool_data), "{memcmp:?}");
        }
        let RpcFilterType::Memcmp(other) = &pool_filters(None, Some(&stake_mint))[1] else {
            panic!()
        };
        assert!(!other.bytes_match(&pool_data));
    }

    #[test]
    fn mints_are_recognised_by_owner_and_layout() {
        let mut data = vec![0u8; 82];
        data[44] = 9;
        data[45] = 1;
        let address = Pubkey::new_unique();
        let mint = decode_mint(&address, &anchor_spl::token_2022::ID, &data).unwrap();
        assert_eq!(
            (mint.decimals, mint.token_program),
            (9, anchor_spl::token_2022::ID)
        );
        assert_eq!((mint.freeze_authority, mint.close_authority), (None, None));
        assert!(decode_mint(&address, &staking::ID, &data).is_err());
        // A freeze authority: COption tag 1 at byte 46, the key at 50.
        let freezer = Pubkey::new_unique();
        data[46] = 1;
        data[50..82].copy_from_slice(freezer.as_ref());
        let mint = decode_mint(&address, &anchor_spl::token::ID, &data).unwrap();
        assert_eq!(mint.freeze_authority, Some(freezer));
        assert!(decode_mint(&address, &anchor_spl::token::ID, &data[..40]).is_err());
    }
}
