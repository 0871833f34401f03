//! Client for the staking program: addresses, instruction builders and (in
//! later modules) an RPC layer and the `staking` CLI.
pub mod error;
pub mod instructions;
pub mod pda;
pub mod rewards;

pub use error::ClientError;
pub use staking::ID as PROGRAM_ID;
