use anchor_lang::prelude::*;

#[event]
pub struct PoolInitialized {
    pub pool: Pubkey,
    pub pool_id: u64,
    pub authority: Pubkey,
    pub stake_mint: Pubkey,
    pub unbonding_period: u64,
    pub min_stake: u64,
    pub max_total_stake: u64,
    pub operator_approval_required: bool,
    pub max_commission_bps: u16,
    pub max_operator_share_bps: u16,
    /// The stake mint's freeze authority, accepted by the creator (a trust
    /// assumption: it can freeze the stake vault); `None` when it has none.
    pub stake_mint_freeze_authority: Option<Pubkey>,
    /// The stake mint's transfer-fee authority, accepted by the creator (a
    /// trust assumption: it can raise the fee on withdrawals); `None` when it
    /// has none.
    pub stake_mint_transfer_fee_authority: Option<Pubkey>,
    /// The stake mint's transfer fee can change (an authority, or a fee
    /// scheduled for a later epoch), accepted by the creator.
    pub stake_mint_transfer_fee_can_change: bool,
}

#[event]
pub struct RewardStreamAdded {
    pub pool: Pubkey,
    pub stream_index: u8,
    pub reward_mint: Pubkey,
    pub reward_vault: Pubkey,
    /// The reward mint's freeze authority, accepted by the pool authority;
    /// `None` when it has none.
    pub freeze_authority: Option<Pubkey>,
    /// The reward mint's transfer-fee authority, accepted by the pool
    /// authority; `None` when it has none.
    pub transfer_fee_authority: Option<Pubkey>,
    /// The reward mint's transfer fee can change, accepted by the authority.
    pub transfer_fee_can_change: bool,
}

#[event]
pub struct RewardsFunded {
    pub pool: Pubkey,
    pub stream_index: u8,
    /// What the vault received (after any transfer fee).
    pub amount: u64,
    pub duration: u64,
    pub rate_q: u128,
    pub period_end: i64,
}

#[event]
pub struct Staked {
    pub pool: Pubkey,
    pub owner: Pubkey,
    /// What the vault received (after any transfer fee).
    pub amount: u64,
    pub position_staked: u64,
    pub pool_staked: u64,
}

#[event]
pub struct Unstaked {
    pub pool: Pubkey,
    pub owner: Pubkey,
    pub ticket: Pubkey,
    pub amount: u64,
    pub unlock_at: i64,
}

#[event]
pub struct Withdrawn {
    pub pool: Pubkey,
    pub owner: Pubkey,
    pub ticket: Pubkey,
    pub amount: u64,
}

#[event]
pub struct UnbondCancelled {
    pub pool: Pubkey,
    pub owner: Pubkey,
    pub ticket: Pubkey,
    pub amount: u64,
}

#[event]
pub struct RewardsClaimed {
    pub pool: Pubkey,
    pub owner: Pubkey,
    pub stream_index: u8,
    pub reward_mint: Pubkey,
    pub amount: u64,
}

#[event]
pub struct RewardsCompounded {
    pub pool: Pubkey,
    pub owner: Pubkey,
    pub stream_index: u8,
    /// Rewards taken from the reward vault.
    pub amount: u64,
    /// What the stake vault received and the position gained.
    pub staked: u64,
}

#[event]
pub struct PoolUpdated {
    pub pool: Pubkey,
    pub unbonding_period: u64,
    pub min_stake: u64,
    pub max_total_stake: u64,
    pub paused: bool,
    pub operator_approval_required: bool,
    pub max_commission_bps: u16,
    pub max_operator_share_bps: u16,
}

#[event]
pub struct AuthorityTransferProposed {
    pub pool: Pubkey,
    pub authority: Pubkey,
    pub pending_authority: Option<Pubkey>,
}

#[event]
pub struct AuthorityTransferred {
    pub pool: Pubkey,
    pub previous_authority: Pubkey,
    pub new_authority: Pubkey,
}

#[event]
pub struct UndistributedRecovered {
    pub pool: Pubkey,
    pub stream_index: u8,
    pub amount: u64,
    pub destination: Pubkey,
}

#[event]
pub struct PositionOpened {
    pub pool: Pubkey,
    pub owner: Pubkey,
}

#[event]
pub struct PositionClosed {
    pub pool: Pubkey,
    pub owner: Pubkey,
}

#[event]
pub struct OperatorRegistered {
    pub pool: Pubkey,
    pub operator: Pubkey,
    pub authority: Pubkey,
    pub name: String,
    pub commission_bps: u16,
    /// False when the pool requires approval first.
    pub active: bool,
}

#[event]
pub struct OperatorUpdated {
    pub pool: Pubkey,
    pub operator: Pubkey,
    pub name: String,
    pub commission_bps: u16,
}

/// A commission increase, applying from `effective_at` (the notice period is
/// at least the pool's unbonding period, so delegators can leave first).
#[event]
pub struct CommissionChangeScheduled {
    pub pool: Pubkey,
    pub operator: Pubkey,
    pub commission_bps: u16,
    pub pending_commission_bps: u16,
    pub effective_at: i64,
}

#[event]
pub struct CommissionChangeApplied {
    pub pool: Pubkey,
    pub operator: Pubkey,
    pub previous_bps: u16,
    pub commission_bps: u16,
}

#[event]
pub struct OperatorStatusChanged {
    pub pool: Pubkey,
    pub operator: Pubkey,
    pub active: bool,
}

#[event]
pub struct Delegated {
    pub pool: Pubkey,
    pub owner: Pubkey,
    pub operator: Pubkey,
    /// The position's stake, now counted to the operator.
    pub amount: u64,
}

#[event]
pub struct Redelegated {
    pub pool: Pubkey,
    pub owner: Pubkey,
    pub from_operator: Pubkey,
    pub to_operator: Pubkey,
    pub amount: u64,
}

#[event]
pub struct Undelegated {
    pub pool: Pubkey,
    pub owner: Pubkey,
    pub operator: Pubkey,
    pub amount: u64,
}

#[event]
pub struct CommissionClaimed {
    pub pool: Pubkey,
    pub operator: Pubkey,
    pub stream_index: u8,
    pub reward_mint: Pubkey,
    pub amount: u64,
}

/// New slash settings announced: they apply at `effective_at` (one unbonding
/// period of notice), unless replaced first.
#[event]
pub struct SlashSettingsScheduled {
    pub pool: Pubkey,
    pub slasher: Pubkey,
    pub slash_destination: Pubkey,
    pub max_slash_bps: u16,
    pub effective_at: i64,
}

/// Slash settings in force from now (`slasher` default: slashing off).
#[event]
pub struct SlashSettingsApplied {
    pub pool: Pubkey,
    pub slasher: Pubkey,
    pub slash_destination: Pubkey,
    pub max_slash_bps: u16,
}

/// An operator was slashed: `from_delegated` came out of its delegators'
/// earning stake and `from_unbonding` out of tickets unstaked from it; both,
/// plus `dust`, went to `slash_destination`.
#[event]
pub struct Slashed {
    pub pool: Pubkey,
    pub operator: Pubkey,
    pub slasher: Pubkey,
    pub bps: u16,
    pub reason: [u8; 32],
    pub from_delegated: u64,
    pub from_unbonding: u64,
    pub dust: u64,
    pub slash_destination: Pubkey,
    /// The operator's delegated and unbonding stake after the slash.
    pub operator_delegated: u64,
    pub operator_unbonding: u64,
}
