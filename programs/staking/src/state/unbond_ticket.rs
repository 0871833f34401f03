use anchor_lang::prelude::*;

use crate::state::StoredQ64;

/// Stake on its way out. A keypair account the staker creates with `unstake`
/// (no PDA: deriving a fresh canonical bump would cost more than the rest of
/// the instruction); `pool`, `position` and `owner` bind it.
#[account(zero_copy)]
#[derive(Debug)]
pub struct UnbondTicket {
    pub pool: Pubkey,
    pub position: Pubkey,
    pub owner: Pubkey,
    /// The operator the stake was delegated to when it was unstaked
    /// (`Pubkey::default()` if none). The ticket stays answerable to that
    /// operator's slashes until it is withdrawn or cancelled, and the operator
    /// keeps the room under its
    /// share cap until the ticket is withdrawn or cancelled: cancelling returns
    /// the stake to it without a share-cap check, to any other as a new
    /// delegation.
    pub operator: Pubkey,
    pub id: u64,
    /// Stake unstaked into the ticket. A ticket that recorded an operator is
    /// worth less once that operator is slashed (`Operator::ticket_value`).
    pub amount: u64,
    pub created_at: i64,
    /// Withdrawable from this time on (unix seconds).
    pub unlock_at: i64,
    /// The operator's ticket multiplier (`ticket_factor_q`,
    /// `ticket_factor_shift`) and `ticket_epoch` when the ticket was unstaked.
    pub slash_factor_q: StoredQ64,
    pub slash_factor_shift: u32,
    pub ticket_epoch: u32,
}

impl UnbondTicket {
    pub const SPACE: usize = 8 + std::mem::size_of::<Self>();

    pub fn slash_factor(&self) -> crate::math::TicketFactor {
        crate::math::TicketFactor {
            mantissa_q: self.slash_factor_q.get(),
            shift: self.slash_factor_shift,
        }
    }
}
