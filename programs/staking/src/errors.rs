use anchor_lang::prelude::*;

use crate::math::MathError;

/// The program's errors. The code of each is 6000 + its position here, and
/// clients match on codes: this list is an ABI. **Append only**: never reorder,
/// remove or reuse a variant, and never give an existing code a new meaning.
#[error_code]
pub enum StakingError {
    #[msg("Amount must be greater than zero")]
    ZeroAmount,
    #[msg("The pool is paused: staking, compounding and funding are disabled")]
    PoolPaused,
    #[msg("The position's stake would be below the pool's minimum stake")]
    BelowMinimumStake,
    #[msg("The pool's total stake would exceed its cap")]
    StakeCapExceeded,
    #[msg("The amount exceeds the position's staked amount")]
    InsufficientStake,
    #[msg("The token transfer credited nothing to the vault (transfer fee too high)")]
    NothingReceived,
    #[msg("The pool already has the maximum number of reward streams")]
    TooManyRewardStreams,
    #[msg("The pool already has a reward stream for this mint")]
    DuplicateRewardMint,
    #[msg("No reward stream at this index")]
    InvalidStreamIndex,
    #[msg("Reward duration must be between one second and the protocol maximum")]
    InvalidRewardDuration,
    #[msg("Funding would emit less than the smallest representable rate")]
    RewardRateTooLow,
    #[msg("Funding exceeds the reward math bounds for this stream")]
    RewardScheduleTooLarge,
    #[msg("Unbonding period exceeds the protocol maximum")]
    UnbondingPeriodTooLong,
    #[msg("The unbond ticket is still locked")]
    TicketLocked,
    #[msg("Nothing to claim")]
    NothingToClaim,
    #[msg("Only a stream paying the stake mint can be compounded")]
    CompoundMintMismatch,
    #[msg("The position still holds stake, rewards or unbond tickets")]
    PositionNotEmpty,
    #[msg("No authority transfer is pending")]
    NoPendingAuthority,
    #[msg("The signer is not the pending authority")]
    NotPendingAuthority,
    #[msg("The amount exceeds the stream's recoverable rewards")]
    InsufficientRecoverable,
    #[msg("The reward accounts do not match the pool's streams")]
    RewardAccountsMismatch,
    #[msg("The reward vault does not belong to this stream")]
    InvalidRewardVault,
    #[msg("The reward mint does not match this stream")]
    InvalidRewardMint,
    #[msg("The token program does not match the mint")]
    InvalidTokenProgram,
    #[msg("The destination must be the position owner's token account for this mint")]
    InvalidDestination,
    #[msg("Mints with a permanent delegate are not supported")]
    MintHasPermanentDelegate,
    #[msg("Mints with a transfer hook are not supported")]
    MintHasTransferHook,
    #[msg("Non-transferable mints are not supported")]
    MintNonTransferable,
    #[msg("Mints whose accounts are frozen by default are not supported")]
    MintDefaultFrozen,
    #[msg("Pausable mints are not supported")]
    MintPausable,
    #[msg("The mint has a Token-2022 extension this program does not support")]
    UnsupportedMintExtension,
    #[msg("Commission must be at most 10,000 basis points")]
    InvalidCommission,
    #[msg("The commission exceeds the pool's maximum")]
    CommissionAboveMaximum,
    #[msg("The operator share cap must be between 1 and 10,000 basis points")]
    InvalidShareCap,
    #[msg("The operator name is longer than 32 bytes")]
    OperatorNameTooLong,
    #[msg("The operator is not active (awaiting approval or deactivated)")]
    OperatorInactive,
    #[msg("The operator would hold more than the pool's maximum share of stake")]
    OperatorShareCapExceeded,
    #[msg("The position is already delegated; use redelegate")]
    AlreadyDelegated,
    #[msg("The position is not delegated")]
    NotDelegated,
    #[msg("The position is already delegated to this operator")]
    SameOperator,
    #[msg("The operator or delegation account is not the position's own")]
    OperatorMismatch,
    #[msg("Undelegate the position before closing it")]
    PositionDelegated,
    #[msg("The operator's status is already the one requested")]
    OperatorStatusUnchanged,
    #[msg("Arithmetic overflow")]
    MathOverflow,
    // 6044 onwards: added by the hardening review.
    #[msg("Mints with a close authority are not supported (a closed mint can be re-created with other extensions)")]
    MintHasCloseAuthority,
    #[msg("The mint has a freeze authority, which can freeze the vault: accept it explicitly to use this mint")]
    MintHasFreezeAuthority,
    #[msg("The signer is not this pool's authority")]
    NotPoolAuthority,
    #[msg("The signer is not this operator's authority")]
    NotOperatorAuthority,
    #[msg("The position belongs to another owner")]
    NotPositionOwner,
    #[msg("The unbond ticket belongs to another owner")]
    NotTicketOwner,
    #[msg("The account belongs to another pool")]
    PoolMismatch,
    #[msg("The unbond ticket belongs to another position")]
    TicketPositionMismatch,
    #[msg("The stake mint is not this pool's")]
    InvalidStakeMint,
    #[msg("The stake vault is not this pool's")]
    InvalidStakeVault,
    #[msg("The mint's transfer fee can change (a fee authority, or a fee scheduled for a later epoch) and could take up to 100% of withdrawals; the creator must accept it")]
    MintHasTransferFeeAuthority,
    #[msg("This pool has no slasher in force: slashing is off")]
    SlashingDisabled,
    #[msg("The signer is not the pool's slasher")]
    NotSlasher,
    #[msg("A slash or a maximum slash must be between 1 and 10,000 basis points")]
    InvalidSlashBps,
    #[msg("The slash exceeds the pool's maximum slash in force")]
    SlashExceedsMaximum,
    #[msg("The slash destination must be a token account of the stake mint other than the stake vault, and the one the pool set")]
    InvalidSlashDestination,
    #[msg("This pool can slash: delegated stake leaves its operator only through an unbond ticket (unstake it, then change the delegation)")]
    DelegatedStakeMustUnbond,
    #[msg("The ticket stays answerable to the operator it was unstaked from until it unlocks: cancel it back to that operator, or wait")]
    TicketStillAnswerable,
    #[msg("The operator was slashed to nothing and accepts no stake")]
    OperatorSlashedOut,
    #[msg("The operator was slashed so deeply that its shares cannot take this much more stake")]
    OperatorSharesExhausted,
}

impl From<MathError> for StakingError {
    fn from(error: MathError) -> Self {
        match error {
            MathError::Overflow => StakingError::MathOverflow,
            MathError::ZeroDuration => StakingError::InvalidRewardDuration,
            MathError::RateTooLow => StakingError::RewardRateTooLow,
        }
    }
}

impl From<MathError> for anchor_lang::error::Error {
    fn from(error: MathError) -> Self {
        StakingError::from(error).into()
    }
}
