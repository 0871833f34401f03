//! PDA seeds and protocol limits.
use anchor_lang::prelude::*;

#[constant]
pub const POOL_SEED: &[u8] = b"pool";
#[constant]
pub const STAKE_VAULT_SEED: &[u8] = b"stake_vault";
#[constant]
pub const REWARD_VAULT_SEED: &[u8] = b"reward_vault";
#[constant]
pub const POSITION_SEED: &[u8] = b"position";
#[constant]
pub const OPERATOR_SEED: &[u8] = b"operator";
#[constant]
pub const DELEGATION_SEED: &[u8] = b"delegation";

/// Reward streams a pool can hold inline; every instruction that touches
/// rewards loops over at most this many.
pub const MAX_REWARD_STREAMS: usize = 4;
/// Longest unbonding period a pool may set: one year.
pub const MAX_UNBONDING_PERIOD: u64 = 365 * 86_400;
/// Longest reward period one funding may schedule: ten years.
pub const MAX_REWARD_DURATION: u64 = 10 * 365 * 86_400;
/// `max_total_stake` value meaning the pool has no cap.
pub const NO_STAKE_CAP: u64 = u64::MAX;
/// `max_operator_share_bps` value meaning one operator may hold any share.
pub const NO_SHARE_CAP: u16 = crate::math::BPS_DENOMINATOR;
/// Bytes of an operator's display name (UTF-8, zero-padded).
pub const MAX_OPERATOR_NAME_LEN: usize = 32;
