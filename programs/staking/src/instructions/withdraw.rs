use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::Withdrawn;
use crate::settlement::release_ticket;
use crate::state::{Operator, Pool, Position, UnbondTicket};
use crate::token::{is_token_account_of, transfer_from_vault};

#[derive(Accounts)]
pub struct Withdraw<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(
        mut,
        has_one = stake_mint @ StakingError::InvalidStakeMint,
        has_one = stake_vault @ StakingError::InvalidStakeVault,
        constraint = pool.load()?.stake_token_program == token_program.key()
            @ StakingError::InvalidTokenProgram,
    )]
    pub pool: AccountLoader<'info, Pool>,
    #[account(
        mut,
        has_one = owner @ StakingError::NotPositionOwner,
        has_one = pool @ StakingError::PoolMismatch,
    )]
    pub position: AccountLoader<'info, Position>,
    #[account(
        mut,
        close = owner,
        has_one = owner @ StakingError::NotTicketOwner,
        has_one = pool @ StakingError::PoolMismatch,
        has_one = position @ StakingError::TicketPositionMismatch,
    )]
    pub ticket: AccountLoader<'info, UnbondTicket>,
    /// CHECK: the pool's stake mint (`has_one`); the token program checks it.
    pub stake_mint: UncheckedAccount<'info>,
    /// CHECK: the pool's stake vault (`has_one`).
    #[account(mut)]
    pub stake_vault: UncheckedAccount<'info>,
    /// CHECK: checked in the handler to be the owner's token account for the
    /// stake mint under the pool's token program.
    #[account(mut)]
    pub owner_token_account: UncheckedAccount<'info>,
    /// CHECK: the pool's stake token program (constraint on `pool`), which
    /// `initialize_pool` accepted only as SPL Token or Token-2022.
    pub token_program: UncheckedAccount<'info>,
    /// The operator the ticket was unstaked from (the program id in its place
    /// for a ticket unstaked undelegated): its slashes decide what the ticket
    /// is worth, and its reserved room is released.
    #[account(mut)]
    pub ticket_operator: Option<AccountLoader<'info, Operator>>,
}

/// Pays out an unlocked ticket (what it is worth after its operator's
/// slashes) and closes it (its rent goes back to the owner).
pub fn handler(ctx: Context<Withdraw>) -> Result<()> {
    let accounts = ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let released = {
        let ticket = accounts.ticket.load()?;
        require!(now >= ticket.unlock_at, StakingError::TicketLocked);
        release_ticket(&accounts.ticket_operator, &ticket)?
    };
    let amount = released.value;
    require!(
        is_token_account_of(
            &accounts.owner_token_account,
            &accounts.stake_mint.key(),
            &accounts.owner.key(),
            &accounts.token_program.key(),
        )?,
        StakingError::InvalidDestination
    );

    let (signer, decimals) = {
        let mut pool = accounts.pool.load_mut()?;
        pool.end_unbonding(released)?;
        (pool.signer(), pool.stake_decimals)
    };
    let mut position = accounts.position.load_mut()?;
    position.close_ticket()?;

    // A ticket slashed to nothing pays nothing and still closes.
    if amount > 0 {
        transfer_from_vault(
            &signer,
            &accounts.pool.to_account_info(),
            &accounts.token_program.to_account_info(),
            &accounts.stake_vault.to_account_info(),
            &accounts.stake_mint.to_account_info(),
            &accounts.owner_token_account.to_account_info(),
            amount,
            decimals,
        )?;
    }

    emit!(Withdrawn {
        pool: position.pool,
        owner: position.owner,
        ticket: accounts.ticket.key(),
        amount,
    });
    Ok(())
}
