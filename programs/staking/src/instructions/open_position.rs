use anchor_lang::prelude::*;

use crate::constants::POSITION_SEED;
use crate::events::PositionOpened;
use crate::state::{Pool, Position};

#[derive(Accounts)]
pub struct OpenPosition<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    pub pool: AccountLoader<'info, Pool>,
    #[account(
        init,
        payer = owner,
        space = Position::SPACE,
        seeds = [POSITION_SEED, pool.key().as_ref(), owner.key().as_ref()],
        bump,
    )]
    pub position: AccountLoader<'info, Position>,
    pub system_program: Program<'info, System>,
}

/// Creates the owner's empty position in a pool (the client sends it before the
/// first stake). Its address is the PDA, so later instructions only need
/// `has_one = owner, has_one = pool` to know it is this owner's one position.
pub fn handler(ctx: Context<OpenPosition>) -> Result<()> {
    let mut position = ctx.accounts.position.load_init()?;
    position.pool = ctx.accounts.pool.key();
    position.owner = ctx.accounts.owner.key();
    position.bump = ctx.bumps.position;
    emit!(PositionOpened {
        pool: position.pool,
        owner: position.owner,
    });
    Ok(())
}
