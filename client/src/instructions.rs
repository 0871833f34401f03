//! One function per program instruction, each returning a ready `Instruction`
//! for the program deployed at `program_id` (usually `staking::ID`), built
//! from the program crate's own account and argument types. Pool-level
//! accounts (vaults, mints, token programs) are read from a decoded [`Pool`];
//! user token accounts are passed in (see [`crate::pda::token_account`]).
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::{system_program, InstructionData, ToAccountMetas};
use staking::instructions::{InitializePoolParams, UpdatePoolParams};
use staking::state::{Pool, RewardStream, UnbondTicket};
use staking::token::AcceptedMintAuthorities;
use staking::{accounts, instruction};

use crate::accounts::reward_stream as stream;
use crate::error::ClientError;
use crate::pda;

/// The optional `operator` and `delegation` accounts of instructions that
/// settle a position: both present when the position is delegated (to
/// `operator`), both absent otherwise.
fn delegation_accounts(
    program_id: &Pubkey,
    position: &Pubkey,
    operator: Option<&Pubkey>,
) -> accounts::PositionDelegation {
    accounts::PositionDelegation {
        operator: operator.copied(),
        delegation: operator.map(|_| pda::delegation(program_id, position)),
    }
}

fn build(
    program_id: &Pubkey,
    accounts: impl ToAccountMetas,
    data: impl InstructionData,
) -> Instruction {
    Instruction {
        program_id: *program_id,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

/// Creates a pool at `pda::pool(program_id, stake_mint, authority, pool_id)`:
/// the signing authority is its creator. A stake mint with a freeze authority
/// is refused unless `params.accepted_mint_authorities` accepts it.
pub fn initialize_pool(
    program_id: &Pubkey,
    authority: &Pubkey,
    stake_mint: &Pubkey,
    stake_token_program: &Pubkey,
    pool_id: u64,
    params: InitializePoolParams,
) -> Instruction {
    let pool = pda::pool(program_id, stake_mint, authority, pool_id);
    build(
        program_id,
        accounts::InitializePool {
            authority: *authority,
            stake_mint: *stake_mint,
            pool,
            stake_vault: pda::stake_vault(program_id, &pool),
            token_program: *stake_token_program,
            system_program: system_program::ID,
        },
        instruction::InitializePool { pool_id, params },
    )
}

/// `accepted_mint_authorities`: the reward mint's authorities to accept (a
/// mint with one not accepted is refused); recorded in the stream as trust
/// assumptions.
pub fn add_reward_stream(
    program_id: &Pubkey,
    authority: &Pubkey,
    pool: &Pubkey,
    reward_mint: &Pubkey,
    reward_token_program: &Pubkey,
    accepted_mint_authorities: AcceptedMintAuthorities,
) -> Instruction {
    build(
        program_id,
        accounts::AddRewardStream {
            authority: *authority,
            pool: *pool,
            reward_mint: *reward_mint,
            reward_vault: pda::reward_vault(program_id, pool, reward_mint),
            token_program: *reward_token_program,
            system_program: system_program::ID,
        },
        instruction::AddRewardStream {
            accepted_mint_authorities,
        },
    )
}

// Mirrors the instruction: its accounts and its three arguments.
#[allow(clippy::too_many_arguments)]
pub fn fund_rewards(
    program_id: &Pubkey,
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
        program_id,
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

/// Creates the owner's position in a pool; send it before the first `stake`.
pub fn open_position(program_id: &Pubkey, pool_address: &Pubkey, owner: &Pubkey) -> Instruction {
    build(
        program_id,
        accounts::OpenPosition {
            owner: *owner,
            pool: *pool_address,
            position: pda::position(program_id, pool_address, owner),
            system_program: system_program::ID,
        },
        instruction::OpenPosition {},
    )
}

/// `operator`: the position's operator when it is delegated (its
/// `Position::operator`), for this and every builder that settles a position.
pub fn stake(
    program_id: &Pubkey,
    pool_address: &Pubkey,
    pool: &Pool,
    owner: &Pubkey,
    operator: Option<&Pubkey>,
    owner_token_account: &Pubkey,
    amount: u64,
) -> Instruction {
    let position = pda::position(program_id, pool_address, owner);
    let delegated = delegation_accounts(program_id, &position, operator);
    build(
        program_id,
        accounts::Stake {
            owner: *owner,
            pool: *pool_address,
            position,
            delegated,
            stake_mint: pool.stake_mint,
            stake_vault: pool.stake_vault,
            owner_token_account: *owner_token_account,
            token_program: pool.stake_token_program,
        },
        instruction::Stake { amount },
    )
}

/// `ticket` is a new keypair's address; the transaction must carry its signature.
pub fn unstake(
    program_id: &Pubkey,
    pool_address: &Pubkey,
    owner: &Pubkey,
    operator: Option<&Pubkey>,
    ticket: &Pubkey,
    amount: u64,
) -> Instruction {
    let position = pda::position(program_id, pool_address, owner);
    let delegated = delegation_accounts(program_id, &position, operator);
    build(
        program_id,
        accounts::Unstake {
            owner: *owner,
            pool: *pool_address,
            position,
            delegated,
            ticket: *ticket,
            system_program: system_program::ID,
        },
        instruction::Unstake { amount },
    )
}

/// The operator a ticket was unstaked from, which `withdraw` and
/// `cancel_unbond` release (`None` for a ticket unstaked undelegated).
pub fn ticket_operator(ticket: &UnbondTicket) -> Option<Pubkey> {
    (ticket.operator != Pubkey::default()).then_some(ticket.operator)
}

pub fn withdraw(
    program_id: &Pubkey,
    pool_address: &Pubkey,
    pool: &Pool,
    owner: &Pubkey,
    ticket_address: &Pubkey,
    ticket: &UnbondTicket,
    owner_token_account: &Pubkey,
) -> Instruction {
    build(
        program_id,
        accounts::Withdraw {
            owner: *owner,
            pool: *pool_address,
            position: pda::position(program_id, pool_address, owner),
            ticket: *ticket_address,
            stake_mint: pool.stake_mint,
            stake_vault: pool.stake_vault,
            owner_token_account: *owner_token_account,
            token_program: pool.stake_token_program,
            ticket_operator: ticket_operator(ticket),
        },
        instruction::Withdraw {},
    )
}

/// `operator` is the position's operator now; the ticket's own operator is
/// passed separately only when it differs.
pub fn cancel_unbond(
    program_id: &Pubkey,
    pool_address: &Pubkey,
    owner: &Pubkey,
    operator: Option<&Pubkey>,
    ticket_address: &Pubkey,
    ticket: &UnbondTicket,
) -> Instruction {
    let position = pda::position(program_id, pool_address, owner);
    let delegated = delegation_accounts(program_id, &position, operator);
    build(
        program_id,
        accounts::CancelUnbond {
            owner: *owner,
            pool: *pool_address,
            position,
            delegated,
            ticket: *ticket_address,
            ticket_operator: ticket_operator(ticket).filter(|left| Some(left) != operator),
        },
        instruction::CancelUnbond {},
    )
}

/// Claims every stream (`stream_index: None`) or one, paying each stream to the
/// owner's associated token account for its mint.
pub fn claim_rewards(
    program_id: &Pubkey,
    pool_address: &Pubkey,
    pool: &Pool,
    owner: &Pubkey,
    operator: Option<&Pubkey>,
    stream_index: Option<u8>,
) -> Result<Instruction, ClientError> {
    let streams: Vec<RewardStream> = match stream_index {
        Some(index) => vec![stream(pool_address, pool, index)?],
        None => pool.streams().to_vec(),
    };
    let position = pda::position(program_id, pool_address, owner);
    let delegated = delegation_accounts(program_id, &position, operator);
    let mut ix = build(
        program_id,
        accounts::ClaimRewards {
            owner: *owner,
            pool: *pool_address,
            position,
            delegated,
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
    program_id: &Pubkey,
    pool_address: &Pubkey,
    pool: &Pool,
    owner: &Pubkey,
    operator: Option<&Pubkey>,
    stream_index: u8,
) -> Result<Instruction, ClientError> {
    let stream = stream(pool_address, pool, stream_index)?;
    let position = pda::position(program_id, pool_address, owner);
    let delegated = delegation_accounts(program_id, &position, operator);
    Ok(build(
        program_id,
        accounts::Compound {
            owner: *owner,
            pool: *pool_address,
            position,
            delegated,
            stake_mint: pool.stake_mint,
            stake_vault: pool.stake_vault,
            reward_vault: stream.reward_vault,
            token_program: pool.stake_token_program,
        },
        instruction::Compound { stream_index },
    ))
}

pub fn update_pool(
    program_id: &Pubkey,
    authority: &Pubkey,
    pool: &Pubkey,
    params: UpdatePoolParams,
) -> Instruction {
    build(
        program_id,
        accounts::UpdatePool {
            authority: *authority,
            pool: *pool,
        },
        instruction::UpdatePool { params },
    )
}

pub fn transfer_authority(
    program_id: &Pubkey,
    authority: &Pubkey,
    pool: &Pubkey,
    new_authority: &Pubkey,
) -> Instruction {
    build(
        program_id,
        accounts::TransferAuthority {
            authority: *authority,
            pool: *pool,
        },
        instruction::TransferAuthority {
            new_authority: *new_authority,
        },
    )
}

pub fn accept_authority(program_id: &Pubkey, new_authority: &Pubkey, pool: &Pubkey) -> Instruction {
    build(
        program_id,
        accounts::AcceptAuthority {
            new_authority: *new_authority,
            pool: *pool,
        },
        instruction::AcceptAuthority {},
    )
}

pub fn recover_undistributed(
    program_id: &Pubkey,
    authority: &Pubkey,
    pool_address: &Pubkey,
    pool: &Pool,
    stream_index: u8,
    destination: &Pubkey,
    amount: u64,
) -> Result<Instruction, ClientError> {
    let stream = stream(pool_address, pool, stream_index)?;
    Ok(build(
        program_id,
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

/// The pool is writable: the position's fractions of a unit owed are released
/// to what the authority may recover.
pub fn close_position(program_id: &Pubkey, pool_address: &Pubkey, owner: &Pubkey) -> Instruction {
    build(
        program_id,
        accounts::ClosePosition {
            owner: *owner,
            pool: *pool_address,
            position: pda::position(program_id, pool_address, owner),
        },
        instruction::ClosePosition {},
    )
}

pub fn register_operator(
    program_id: &Pubkey,
    pool_address: &Pubkey,
    authority: &Pubkey,
    commission_bps: u16,
    name: String,
) -> Instruction {
    build(
        program_id,
        accounts::RegisterOperator {
            authority: *authority,
            pool: *pool_address,
            operator: pda::operator(program_id, pool_address, authority),
            system_program: system_program::ID,
        },
        instruction::RegisterOperator {
            commission_bps,
            name,
        },
    )
}

/// `None` leaves a field as it is.
pub fn update_operator(
    program_id: &Pubkey,
    pool_address: &Pubkey,
    authority: &Pubkey,
    commission_bps: Option<u16>,
    name: Option<String>,
) -> Instruction {
    build(
        program_id,
        accounts::UpdateOperator {
            authority: *authority,
            pool: *pool_address,
            operator: pda::operator(program_id, pool_address, authority),
        },
        instruction::UpdateOperator {
            commission_bps,
            name,
        },
    )
}

/// Signed by the pool authority.
pub fn set_operator_active(
    program_id: &Pubkey,
    pool_address: &Pubkey,
    pool_authority: &Pubkey,
    operator: &Pubkey,
    active: bool,
) -> Instruction {
    build(
        program_id,
        accounts::SetOperatorActive {
            authority: *pool_authority,
            pool: *pool_address,
            operator: *operator,
        },
        instruction::SetOperatorActive { active },
    )
}

pub fn delegate(
    program_id: &Pubkey,
    pool_address: &Pubkey,
    owner: &Pubkey,
    operator: &Pubkey,
) -> Instruction {
    let position = pda::position(program_id, pool_address, owner);
    build(
        program_id,
        accounts::Delegate {
            owner: *owner,
            pool: *pool_address,
            position,
            operator: *operator,
            delegation: pda::delegation(program_id, &position),
            system_program: system_program::ID,
        },
        instruction::Delegate {},
    )
}

pub fn redelegate(
    program_id: &Pubkey,
    pool_address: &Pubkey,
    owner: &Pubkey,
    operator: &Pubkey,
    new_operator: &Pubkey,
) -> Instruction {
    let position = pda::position(program_id, pool_address, owner);
    build(
        program_id,
        accounts::Redelegate {
            owner: *owner,
            pool: *pool_address,
            position,
            operator: *operator,
            delegation: pda::delegation(program_id, &position),
            new_operator: *new_operator,
        },
        instruction::Redelegate {},
    )
}

pub fn undelegate(
    program_id: &Pubkey,
    pool_address: &Pubkey,
    owner: &Pubkey,
    operator: &Pubkey,
) -> Instruction {
    let position = pda::position(program_id, pool_address, owner);
    build(
        program_id,
        accounts::Undelegate {
            owner: *owner,
            pool: *pool_address,
            position,
            operator: *operator,
            delegation: pda::delegation(program_id, &position),
        },
        instruction::Undelegate {},
    )
}

/// Pays the operator's commission on one stream to the operator authority's
/// associated token account for the stream's mint.
pub fn claim_commission(
    program_id: &Pubkey,
    pool_address: &Pubkey,
    pool: &Pool,
    authority: &Pubkey,
    stream_index: u8,
) -> Result<Instruction, ClientError> {
    let stream = stream(pool_address, pool, stream_index)?;
    Ok(build(
        program_id,
        accounts::ClaimCommission {
            authority: *authority,
            pool: *pool_address,
            operator: pda::operator(program_id, pool_address, authority),
            reward_mint: stream.reward_mint,
            reward_vault: stream.reward_vault,
            destination: pda::token_account(
                authority,
                &stream.reward_mint,
                &stream.reward_token_program,
            ),
            token_program: stream.reward_token_program,
        },
        instruction::ClaimCommission { stream_index },
    ))
}

/// Signed by the pool authority: `Some((slasher, destination))` names who
/// may slash and the stake-mint token account slashed stake goes to, with the
/// most one slash may take; `None` turns slashing off (at once). A new
/// slasher or a higher maximum applies after one unbonding period.
pub fn set_slasher(
    program_id: &Pubkey,
    pool_address: &Pubkey,
    authority: &Pubkey,
    slasher: Option<(Pubkey, Pubkey)>,
    max_slash_bps: u16,
) -> Instruction {
    build(
        program_id,
        accounts::SetSlasher {
            authority: *authority,
            pool: *pool_address,
            slash_destination: slasher.map(|(_, destination)| destination),
        },
        instruction::SetSlasher {
            slasher: slasher.map(|(slasher, _)| slasher),
            max_slash_bps,
        },
    )
}

/// Signed by the pool's slasher: takes `slash.bps` of what `operator` answers
/// for (`slash.reason`: 32 bytes naming the evidence, e.g. its hash) and sends
/// it to the pool's slash destination in force at `now` (read from `pool`,
/// pending settings included once their notice ran out).
pub fn slash(
    program_id: &Pubkey,
    pool_address: &Pubkey,
    pool: &Pool,
    slasher: &Pubkey,
    operator: &Pubkey,
    slash: instruction::Slash,
    now: i64,
) -> Instruction {
    build(
        program_id,
        accounts::Slash {
            slasher: *slasher,
            pool: *pool_address,
            operator: *operator,
            stake_mint: pool.stake_mint,
            stake_vault: pool.stake_vault,
            slash_destination: pool.slash_settings_at(now).destination,
            token_program: pool.stake_token_program,
        },
        slash,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_are_addressed_by_mint_creator_and_id() {
        let (mint, creator, other) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let pool = pda::pool(&staking::ID, &mint, &creator, 3);
        assert_ne!(pool, pda::pool(&staking::ID, &mint, &other, 3));
        assert_ne!(pool, pda::pool(&staking::ID, &mint, &creator, 4));
        let params = InitializePoolParams {
            unbonding_period: 60,
            min_stake: 0,
            max_total_stake: None,
            operator_approval_required: false,
            max_commission_bps: 10_000,
            max_operator_share_bps: None,
            accepted_mint_authorities: AcceptedMintAuthorities {
                freeze: true,
                transfer_fee: false,
            },
        };
        let ix = initialize_pool(
            &staking::ID,
            &creator,
            &mint,
            &anchor_spl::token::ID,
            3,
            params,
        );
        assert_eq!(ix.accounts[2].pubkey, pool);
        assert!(ix.accounts[2].is_writable);
    }

    #[test]
    fn close_position_writes_the_pool() {
        let (pool, owner) = (Pubkey::new_unique(), Pubkey::new_unique());
        let ix = close_position(&staking::ID, &pool, &owner);
        let meta = ix.accounts.iter().find(|m| m.pubkey == pool).unwrap();
        assert!(meta.is_writable && !meta.is_signer);
    }
}
