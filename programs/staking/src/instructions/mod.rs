pub mod accept_authority;
pub mod add_reward_stream;
pub mod cancel_unbond;
pub mod claim_rewards;
pub mod close_position;
pub mod compound;
pub mod fund_rewards;
pub mod initialize_pool;
pub mod open_position;
pub mod recover_undistributed;
pub mod stake;
pub mod transfer_authority;
pub mod unstake;
pub mod update_pool;
pub mod withdraw;

#[allow(ambiguous_glob_reexports)]
pub use {
    accept_authority::*, add_reward_stream::*, cancel_unbond::*, claim_rewards::*,
    close_position::*, compound::*, fund_rewards::*, initialize_pool::*, open_position::*,
    recover_undistributed::*, stake::*, transfer_authority::*, unstake::*, update_pool::*,
    withdraw::*,
};
