//! Client for the staking program: addresses, instruction builders, account
//! decoding, reward projections, an async RPC layer, and the operations the
//! `staking` CLI runs.
pub mod accounts;
pub mod amount;
pub mod config;
pub mod error;
pub mod instructions;
pub mod localnet;
pub mod ops;
pub mod pda;
pub mod rewards;
pub mod rpc;
pub mod views;

pub use error::ClientError;
pub use rpc::StakingClient;
pub use staking::ID as PROGRAM_ID;
