//! Program-derived addresses of the staking program (deployed at `program_id`;
//! `staking::ID` is the default), and token accounts.
use anchor_lang::prelude::Pubkey;
use anchor_spl::associated_token::get_associated_token_address_with_program_id;
use staking::constants::{
    DELEGATION_SEED, OPERATOR_SEED, POOL_SEED, POSITION_SEED, REWARD_VAULT_SEED, STAKE_VAULT_SEED,
};

/// A pool: `["pool", stake_mint, creator, pool_id (u64 LE)]`, where `creator`
/// is the authority that signed `initialize_pool` (it stays a seed when the
/// authority is transferred).
pub fn pool(program_id: &Pubkey, stake_mint: &Pubkey, creator: &Pubkey, pool_id: u64) -> Pubkey {
    Pubkey::find_program_address(
        &[
            POOL_SEED,
            stake_mint.as_ref(),
            creator.as_ref(),
            &pool_id.to_le_bytes(),
        ],
        program_id,
    )
    .0
}

pub fn stake_vault(program_id: &Pubkey, pool: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[STAKE_VAULT_SEED, pool.as_ref()], program_id).0
}

pub fn reward_vault(program_id: &Pubkey, pool: &Pubkey, reward_mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[REWARD_VAULT_SEED, pool.as_ref(), reward_mint.as_ref()],
        program_id,
    )
    .0
}

pub fn position(program_id: &Pubkey, pool: &Pubkey, owner: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[POSITION_SEED, pool.as_ref(), owner.as_ref()], program_id).0
}

pub fn operator(program_id: &Pubkey, pool: &Pubkey, authority: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[OPERATOR_SEED, pool.as_ref(), authority.as_ref()],
        program_id,
    )
    .0
}

pub fn delegation(program_id: &Pubkey, position: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[DELEGATION_SEED, position.as_ref()], program_id).0
}

/// The owner's associated token account for `mint` under `token_program`.
pub fn token_account(owner: &Pubkey, mint: &Pubkey, token_program: &Pubkey) -> Pubkey {
    get_associated_token_address_with_program_id(owner, mint, token_program)
}
