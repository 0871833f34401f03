//! Rust SDK of the staking program: addresses (`pda`), one builder per
//! instruction (`instructions`), account and mint decoding (`accounts`),
//! reward projections (`rewards`), slashing projections (`slashing`), UI
//! amounts (`amount`), an async RPC client (`rpc`), the program's events
//! (`events`) and log subscriptions (`subscription`). The `staking` CLI (crate `staking-cli`) is built on it; this
//! crate has no CLI dependencies.
pub mod accounts;
pub mod amount;
pub mod error;
pub mod events;
pub mod instructions;
pub mod pda;
pub mod rewards;
pub mod rpc;
pub mod slashing;
pub mod subscription;

pub use error::ClientError;
pub use rpc::StakingClient;
pub use staking::ID as PROGRAM_ID;
