//! Account types. All are zero-copy (`repr(C)`, 8-byte aligned, no implicit
//! padding): instructions read and write them in place instead of copying them
//! through borsh, and clients decode the same bytes on any host.
pub mod delegation;
pub mod operator;
pub mod pool;
pub mod position;
pub mod q64;
pub mod unbond_ticket;

pub use delegation::*;
pub use operator::*;
pub use pool::*;
pub use position::*;
pub use q64::*;
pub use unbond_ticket::*;
