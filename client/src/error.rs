use anchor_lang::prelude::Pubkey;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ClientError {
    #[error("pool {pool} has no reward stream {index} (it has {count})")]
    NoSuchStream { pool: Pubkey, index: u8, count: u8 },
}
