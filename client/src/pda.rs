//! Program-derived addresses of the staking program, and token accounts.
use anchor_lang::prelude::Pubkey;
use anchor_spl::associated_token::get_associated_token_address_with_program_id;
use staking::constants::{
    POOL_SEED, POSITION_SEED, REWARD_VAULT_SEED, STAKE_VAULT_SEED, UNBOND_TICKET_SEED,
};

pub fn pool(stake_mint: &Pubkey, pool_id: u64) -> Pubkey {
    Pubkey::find_program_address(
        &[POOL_SEED, stake_mint.as_ref(), &pool_id.to_le_bytes()],
        &staking::ID,
    )
    .0
}

pub fn stake_vault(pool: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[STAKE_VAULT_SEED, pool.as_ref()], &staking::ID).0
}

pub fn reward_vault(pool: &Pubkey, reward_mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[REWARD_VAULT_SEED, pool.as_ref(), reward_mint.as_ref()],
        &staking::ID,
    )
    .0
}

pub fn position(pool: &Pubkey, owner: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[POSITION_SEED, pool.as_ref(), owner.as_ref()],
        &staking::ID,
    )
    .0
}

pub fn unbond_ticket(position: &Pubkey, ticket_id: u64) -> Pubkey {
    Pubkey::find_program_address(
        &[
            UNBOND_TICKET_SEED,
            position.as_ref(),
            &ticket_id.to_le_bytes(),
        ],
        &staking::ID,
    )
    .0
}

/// The owner's associated token account for `mint` under `token_program`.
pub fn token_account(owner: &Pubkey, mint: &Pubkey, token_program: &Pubkey) -> Pubkey {
    get_associated_token_address_with_program_id(owner, mint, token_program)
}
