use anchor_lang::prelude::*;

use crate::constants::MAX_REWARD_STREAMS;
use crate::errors::StakingError;
use crate::events::RewardsClaimed;
use crate::settlement::*;
use crate::state::{Pool, Position};
use crate::token::{is_token_account_of, transfer_from_vault};

/// Accounts each claimed stream adds to `remaining_accounts`, in this order.
pub const CLAIM_ACCOUNTS_PER_STREAM: usize = 4;

/// Remaining accounts: for each claimed stream, in stream order,
/// `[reward_mint, reward_vault (mut), destination (mut), token_program]`, where
/// the destination is the owner's token account for the reward mint.
#[derive(Accounts)]
pub struct ClaimRewards<'info> {
    pub owner: Signer<'info>,
    #[account(mut)]
    pub pool: AccountLoader<'info, Pool>,
    #[account(
        mut,
        has_one = owner @ StakingError::NotPositionOwner,
        has_one = pool @ StakingError::PoolMismatch,
    )]
    pub position: AccountLoader<'info, Position>,
    pub delegated: PositionDelegation<'info>,
}

/// Pays what the position has earned on every stream (`stream_index: None`) or
/// on one. Works while the pool is paused.
pub fn handler<'info>(
    ctx: Context<'info, ClaimRewards<'info>>,
    stream_index: Option<u8>,
) -> Result<()> {
    let accounts = ctx.accounts;
    let pool_info = accounts.pool.to_account_info();
    let now = Clock::get()?.unix_timestamp;
    let (indices, signer) = {
        let pool = accounts.pool.load()?;
        let indices = match stream_index {
            Some(index) => {
                pool.stream(index)?;
                index..index + 1
            }
            None => 0..pool.reward_stream_count,
        };
        (indices, pool.signer())
    };
    require!(
        ctx.remaining_accounts.len() == indices.len() * CLAIM_ACCOUNTS_PER_STREAM,
        StakingError::RewardAccountsMismatch
    );

    // Book every payout first, then release the accounts for the transfers:
    // the pool signs them.
    let mut payouts = [0u64; MAX_REWARD_STREAMS];
    let mut decimals = [0u8; MAX_REWARD_STREAMS];
    let owner = {
        let mut pool = accounts.pool.load_mut()?;
        let mut position = accounts.position.load_mut()?;
        // Every stream, not only the claimed ones: a delegated position's
        // operator is synced across all streams at once.
        settle(
            &mut pool,
            &mut position,
            &accounts.position.key(),
            accounts.delegated.accounts(),
            now,
        )?;
        for (slot, (index, stream_accounts)) in indices
            .clone()
            .zip(ctx.remaining_accounts.chunks(CLAIM_ACCOUNTS_PER_STREAM))
            .enumerate()
        {
            let [mint, vault, destination, token_program] = stream_accounts else {
                return err!(StakingError::RewardAccountsMismatch);
            };
            let stream = pool.stream(index)?;
            require_keys_eq!(
                mint.key(),
                stream.reward_mint,
                StakingError::InvalidRewardMint
            );
            require_keys_eq!(
                vault.key(),
                stream.reward_vault,
                StakingError::InvalidRewardVault
            );
            require_keys_eq!(
                token_program.key(),
                stream.reward_token_program,
                StakingError::InvalidTokenProgram
            );
            require!(
                is_token_account_of(
                    destination,
                    &stream.reward_mint,
                    &position.owner,
                    token_program.key
                )?,
                StakingError::InvalidDestination
            );
            decimals[slot] = stream.reward_decimals;
            let reward = position
                .rewards
                .get_mut(index as usize)
                .ok_or(StakingError::InvalidStreamIndex)?;
            payouts[slot] = reward.take_owed();
            pool.stream_mut(index)?.record_payout(payouts[slot])?;
        }
        position.owner
    };

    let mut paid_any = false;
    for (slot, (index, stream_accounts)) in indices
        .zip(ctx.remaining_accounts.chunks(CLAIM_ACCOUNTS_PER_STREAM))
        .enumerate()
    {
        let amount = payouts[slot];
        if amount == 0 {
            continue;
        }
        let [mint, vault, destination, token_program] = stream_accounts else {
            return err!(StakingError::RewardAccountsMismatch);
        };
        transfer_from_vault(
            &signer,
            &pool_info,
            token_program,
            vault,
            mint,
            destination,
            amount,
            decimals[slot],
        )?;
        paid_any = true;
        emit!(RewardsClaimed {
            pool: pool_info.key(),
            owner,
            stream_index: index,
            reward_mint: mint.key(),
            amount,
        });
    }
    require!(paid_any, StakingError::NothingToClaim);
    Ok(())
}
