//! The CLI's connection: the SDK's [`StakingClient`] plus the operations and
//! views the commands need (in `ops` and `views`), which stay out of the SDK.
use std::ops::{Deref, DerefMut};

use staking_client::StakingClient;

pub struct Session(pub StakingClient);

impl Deref for Session {
    type Target = StakingClient;

    fn deref(&self) -> &StakingClient {
        &self.0
    }
}

impl DerefMut for Session {
    fn deref_mut(&mut self) -> &mut StakingClient {
        &mut self.0
    }
}
