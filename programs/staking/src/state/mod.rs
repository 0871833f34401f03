pub mod pool;
pub mod position;
pub mod unbond_ticket;

pub use pool::*;
pub use position::*;
pub use unbond_ticket::*;
