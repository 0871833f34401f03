use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::Unstaked;
use crate::settlement::*;
use crate::state::{Pool, Position, UnbondTicket};

#[derive(Accounts)]
pub struct Unstake<'info> {
    #[account(mut)]
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
    /// A new keypair, signing so that it can be created.
    #[account(init, payer = owner, space = UnbondTicket::SPACE)]
    pub ticket: AccountLoader<'info, UnbondTicket>,
    pub system_program: Program<'info, System>,
}

/// Stops `amount` earning now and locks it in a new unbond ticket for the
/// pool's current unbonding period. Works while the pool is paused.
pub fn handler(ctx: Context<Unstake>, amount: u64) -> Result<()> {
    require!(amount > 0, StakingError::ZeroAmount);
    let accounts = ctx.accounts;
    let mut pool = accounts.pool.load_mut()?;
    let mut position = accounts.position.load_mut()?;
    let now = Clock::get()?.unix_timestamp;
    let delegated = settle(
        &mut pool,
        &mut position,
        &accounts.position.key(),
        accounts.delegated.accounts(),
        now,
    )?;
    let mut ticket = accounts.ticket.load_init()?;
    pool.begin_unbonding(&mut position.staked, amount)?;
    if let Some(mut delegated) = delegated {
        let LoadedDelegation {
            operator,
            delegation,
            ..
        } = &mut delegated;
        position.staked = operator.begin_unbonding(delegation, amount, &mut ticket)?;
    }
    // Checked on what is left after settling (a slash since the last
    // settlement lowered the stake) and after the shares were retired.
    require!(
        position.staked == 0 || position.staked >= pool.min_stake,
        StakingError::BelowMinimumStake
    );

    let period = i64::try_from(pool.unbonding_period).map_err(|_| StakingError::MathOverflow)?;
    let unlock_at = now.checked_add(period).ok_or(StakingError::MathOverflow)?;
    let ticket_id = position.open_ticket()?;
    ticket.pool = position.pool;
    ticket.position = accounts.position.key();
    ticket.owner = position.owner;
    ticket.operator = position.operator;
    ticket.id = ticket_id;
    ticket.amount = amount;
    ticket.created_at = now;
    ticket.unlock_at = unlock_at;

    emit!(Unstaked {
        pool: position.pool,
        owner: position.owner,
        ticket: accounts.ticket.key(),
        amount,
        unlock_at,
    });
    Ok(())
}
