use anchor_lang::prelude::*;

/// Stake on its way out. PDA: `["unbond_ticket", position, ticket_id (u64 LE)]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct UnbondTicket {
    pub pool: Pubkey,
    pub position: Pubkey,
    pub owner: Pubkey,
    pub id: u64,
    pub amount: u64,
    pub created_at: i64,
    /// Withdrawable from this time on (unix seconds).
    pub unlock_at: i64,
    pub bump: u8,
}
