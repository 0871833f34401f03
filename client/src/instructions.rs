//! One function per program instruction, each returning a ready `Instruction`
//! built from the program crate's own account and argument types. Pool-level
//! accounts (vaults, mints, token programs) are read from a decoded [`Pool`];
//! user token accounts are passed in (see [`crate::pda::token_account`]).
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::{system_program, InstructionData, ToAccountMetas};
use staking::instructions::{InitializePoolParams, UpdatePoolParams};
use staking::state::{Pool, RewardStream};
use staking::{accounts, instruction};

use crate::error::ClientError;
use crate::pda;

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction {
        program_id: staking::ID,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

fn stream(pool_address: &Pubkey, pool: &Pool, index: u8) -> Result<RewardStream, ClientError> {
    pool.streams()
        .get(index as usize)
        .copied()
        .ok_or(ClientError::NoSuchStream {
            pool: *pool_address,
            index,
            count: pool.reward_stream_count,
        })
}

pub fn initialize_pool(
    authority: &Pubkey,
    stake_mint: &Pubkey,
    stake_token_program: &Pubkey,
    params: InitializePoolParams,
) -> Instruction {
    let pool = pda::pool(stake_mint, params.pool_id);
    build(
        accounts::InitializePool {
            authority: *authority,
            stake_mint: *stake_mint,
            pool,
            stake_vault: pda::stake_vault(&pool),
            token_program: *stake_token_program,
            system_program: system_program::ID,
        },
        instruction::InitializePool { params },
    )
}

pub fn add_reward_stream(
    authority: &Pubkey,
    pool: &Pubkey,
    reward_mint: &Pubkey,
    reward_token_program: &Pubkey,
) -> Instruction {
    build(
        accounts::AddRewardStream {
            authority: *authority,
            pool: *pool,
            reward_mint: *reward_mint,
            reward_vault: pda::reward_vault(pool, reward_mint),
            token_program: *reward_token_program,
            system_program: system_program::ID,
        },
        instruction::AddRewardStream {},
    )
}

pub fn fund_rewards(
    authority: &Pubkey,
    pool_address: &Pubkey,
    pool: &Pool,
    stream_index: u8,
    funder_token_account: &Pubkey,
    amount: u64,
    duration: u64,
) -> Result<Instruction, ClientError> {
    let stream = stream(pool_address, pool, stream_index)?;
    Ok(build(
        accounts::FundRewards {
            authority: *authority,
            pool: *pool_address,
            reward_mint: stream.reward_mint,
            reward_vault: stream.reward_vault,
            funder_token_account: *funder_token_account,
            token_program: stream.reward_token_program,
        },
        instruction::FundRewards {
            stream_index,
            amount,
            duration,
        },
    ))
}

pub fn stake(
    pool_address: &Pubkey,
    pool: &Pool,
    owner: &Pubkey,
    owner_token_account: &Pubkey,
    amount: u64,
) -> Instruction {
    build(
        accounts::Stake {
            owner: *owner,
            pool: *pool_address,
            position: pda::position(pool_address, owner),
            stake_mint: pool.stake_mint,
            stake_vault: pool.stake_vault,
            owner_token_account: *owner_token_account,
            token_program: pool.stake_token_program,
            system_program: system_program::ID,
        },
        instruction::Stake { amount },
    )
}

/// `next_ticket_id` is the position's `next_ticket_id`: the new ticket's seed.
pub fn unstake(
    pool_address: &Pubkey,
    owner: &Pubkey,
    next_ticket_id: u64,
    amount: u64,
) -> Instruction {
    let position = pda::position(pool_address, owner);
    build(
        accounts::Unstake {
            owner: *owner,
            pool: *pool_address,
            position,
            ticket: pda::unbond_ticket(&position, next_ticket_id),
            system_program: system_program::ID,
        },
        instruction::Unstake { amount },
    )
}

pub fn withdraw(
    pool_address: &Pubkey,
    pool: &Pool,
    owner: &Pubkey,
    ticket: &Pubkey,
    owner_token_account: &Pubkey,
) -> Instruction {
    build(
        accounts::Withdraw {
            owner: *owner,
            pool: *pool_address,
            position: pda::position(pool_address, owner),
            ticket: *ticket,
            stake_mint: pool.stake_mint,
            stake_vault: pool.stake_vault,
            owner_token_account: *owner_token_account,
            token_program: pool.stake_token_program,
        },
        instruction::Withdraw {},
    )
}

pub fn cancel_unbond(pool_address: &Pubkey, owner: &Pubkey, ticket: &Pubkey) -> Instruction {
    build(
        accounts::CancelUnbond {
            owner: *owner,
            pool: *pool_address,
            position: pda::position(pool_address, owner),
            ticket: *ticket,
        },
        instruction::CancelUnbond {},
    )
}

/// Claims every stream (`stream_index: None`) or one, paying each stream to the
/// owner's associated token account for its mint.
pub fn claim_rewards(
    pool_address: &Pubkey,
    pool: &Pool,
    owner: &Pubkey,
    stream_index: Option<u8>,
) -> Result<Instruction, ClientError> {
    let streams: Vec<RewardStream> = match stream_index {
        Some(index) => vec![stream(pool_address, pool, index)?],
        None => pool.streams().to_vec(),
    };
    let mut ix = build(
        accounts::ClaimRewards {
            owner: *owner,
            pool: *pool_address,
            position: pda::position(pool_address, owner),
        },
        instruction::ClaimRewards { stream_index },
    );
    for stream in streams {
        ix.accounts.extend([
            AccountMeta::new_readonly(stream.reward_mint, false),
            AccountMeta::new(stream.reward_vault, false),
            AccountMeta::new(
                pda::token_account(owner, &stream.reward_mint, &stream.reward_token_program),
                false,
            ),
            AccountMeta::new_readonly(stream.reward_token_program, false),
        ]);
    }
    Ok(ix)
}

pub fn compound(
    pool_address: &Pubkey,
    pool: &Pool,
    owner: &Pubkey,
    stream_index: u8,
) -> Result<Instruction, ClientError> {
    let stream = stream(pool_address, pool, stream_index)?;
    Ok(build(
        accounts::Compound {
            owner: *owner,
            pool: *pool_address,
            position: pda::position(pool_address, owner),
            stake_mint: pool.stake_mint,
            stake_vault: pool.stake_vault,
            reward_vault: stream.reward_vault,
            token_program: pool.stake_token_program,
        },
        instruction::Compound { stream_index },
    ))
}

pub fn update_pool(authority: &Pubkey, pool: &Pubkey, params: UpdatePoolParams) -> Instruction {
    build(
        accounts::UpdatePool {
            authority: *authority,
            pool: *pool,
        },
        instruction::UpdatePool { params },
    )
}

pub fn transfer_authority(
    authority: &Pubkey,
    pool: &Pubkey,
    new_authority: &Pubkey,
) -> Instruction {
    build(
        accounts::TransferAuthority {
            authority: *authority,
            pool: *pool,
        },
        instruction::TransferAuthority {
            new_authority: *new_authority,
        },
    )
}

pub fn accept_authority(new_authority: &Pubkey, pool: &Pubkey) -> Instruction {
    build(
        accounts::AcceptAuthority {
            new_authority: *new_authority,
            pool: *pool,
        },
        instruction::AcceptAuthority {},
    )
}

pub fn recover_undistributed(
    authority: &Pubkey,
    pool_address: &Pubkey,
    pool: &Pool,
    stream_index: u8,
    destination: &Pubkey,
    amount: u64,
) -> Result<Instruction, ClientError> {
    let stream = stream(pool_address, pool, stream_index)?;
    Ok(build(
        accounts::RecoverUndistributed {
            authority: *authority,
            pool: *pool_address,
            reward_mint: stream.reward_mint,
            reward_vault: stream.reward_vault,
            destination: *destination,
            token_program: stream.reward_token_program,
        },
        instruction::RecoverUndistributed {
            stream_index,
            amount,
        },
    ))
}

pub fn close_position(pool_address: &Pubkey, owner: &Pubkey) -> Instruction {
    build(
        accounts::ClosePosition {
            owner: *owner,
            pool: *pool_address,
            position: pda::position(pool_address, owner),
        },
        instruction::ClosePosition {},
    )
}
