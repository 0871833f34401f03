pub mod accept_authority;
pub mod add_reward_stream;
pub mod cancel_unbond;
pub mod claim_commission;
pub mod claim_rewards;
pub mod close_position;
pub mod compound;
pub mod delegate;
pub mod fund_rewards;
pub mod initialize_pool;
pub mod open_position;
pub mod recover_undistributed;
pub mod redelegate;
pub mod register_operator;
pub mod set_operator_active;
pub mod set_slasher;
pub mod slash;
pub mod stake;
pub mod transfer_authority;
pub mod undelegate;
pub mod unstake;
pub mod update_operator;
pub mod update_pool;
pub mod withdraw;

#[allow(ambiguous_glob_reexports)]
pub use {
    accept_authority::*, add_reward_stream::*, cancel_unbond::*, claim_commission::*,
    claim_rewards::*, close_position::*, compound::*, delegate::*, fund_rewards::*,
    initialize_pool::*, open_position::*, recover_undistributed::*, redelegate::*,
    register_operator::*, set_operator_active::*, set_slasher::*, slash::*, stake::*,
    transfer_authority::*, undelegate::*, unstake::*, update_operator::*, update_pool::*,
    withdraw::*,
};
