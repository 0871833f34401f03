use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::RewardsClaimed;
use crate::state::{Pool, Position};
use crate::token::transfer_from_vault;

/// Accounts each claimed stream adds to `remaining_accounts`, in this order.
pub const CLAIM_ACCOUNTS_PER_STREAM: usize = 4;

/// Remaining accounts: for each claimed stream, in stream order,
/// `[reward_mint, reward_vault (mut), destination (mut), token_program]`, where
/// the destination is the owner's token account for the reward mint.
#[derive(Accounts)]
pub struct ClaimRewards<'info> {
    pub owner: Signer<'info>,
    #[account(mut)]
    pub pool: Box<Account<'info, Pool>>,
    #[account(mut, has_one = owner, has_one = pool)]
    pub position: Box<Account<'info, Position>>,
}

/// Pays what the position has earned on every stream (`stream_index: None`) or
/// on one. Works while the pool is paused.
pub fn handler<'info>(
    ctx: Context<'info, ClaimRewards<'info>>,
    stream_index: Option<u8>,
) -> Result<()> {
    let accounts = ctx.accounts;
    let pool = &mut accounts.pool;
    let position = &mut accounts.position;
    let indices = match stream_index {
        Some(index) => {
            pool.stream(index)?;
            index..index + 1
        }
        None => 0..pool.reward_stream_count,
    };
    require!(
        ctx.remaining_accounts.len() == indices.len() * CLAIM_ACCOUNTS_PER_STREAM,
        StakingError::RewardAccountsMismatch
    );

    let now = Clock::get()?.unix_timestamp;
    let pool_info = pool.to_account_info();
    let mut paid_any = false;
    for (index, stream_accounts) in
        indices.zip(ctx.remaining_accounts.chunks(CLAIM_ACCOUNTS_PER_STREAM))
    {
        let [mint, vault, destination, token_program] = stream_accounts else {
            return err!(StakingError::RewardAccountsMismatch);
        };
        pool.accrue_stream(index, now)?;
        let stream = *pool.stream(index)?;
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
        require_destination(
            destination,
            &stream.reward_mint,
            &position.owner,
            token_program.key,
        )?;

        position.settle_stream(index as usize, &stream)?;
        let reward = position
            .rewards
            .get_mut(index as usize)
            .ok_or(StakingError::InvalidStreamIndex)?;
        let amount = reward.owed;
        if amount == 0 {
            continue;
        }
        reward.owed = 0;
        pool.stream_mut(index)?.record_payout(amount)?;
        transfer_from_vault(
            pool,
            &pool_info,
            token_program,
            vault,
            mint,
            destination,
            amount,
            stream.reward_decimals,
        )?;
        paid_any = true;
        emit!(RewardsClaimed {
            pool: pool.key(),
            owner: position.owner,
            stream_index: index,
            reward_mint: stream.reward_mint,
            amount,
        });
    }
    require!(paid_any, StakingError::NothingToClaim);
    Ok(())
}

/// A token account of `token_program` for `mint` whose owner is `owner`. Read
/// from the base layout shared by SPL Token and Token-2022 (mint, then owner).
fn require_destination(
    destination: &AccountInfo,
    mint: &Pubkey,
    owner: &Pubkey,
    token_program: &Pubkey,
) -> Result<()> {
    let data = destination.try_borrow_data()?;
    let matches = destination.owner == token_program
        && data.len() >= 64
        && data[..32] == mint.to_bytes()
        && data[32..64] == owner.to_bytes();
    require!(matches, StakingError::InvalidRewardDestination);
    Ok(())
}
