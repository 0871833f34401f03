use anchor_lang::prelude::*;

/// A Q64.64 value (see [`crate::math`]) stored as two little-endian words:
/// `u128` would give accounts 16-byte alignment, which account data (8-byte
/// aligned) cannot promise on every target.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct StoredQ64 {
    pub low: u64,
    pub high: u64,
}

impl StoredQ64 {
    #[inline]
    pub fn get(&self) -> u128 {
        (u128::from(self.high) << 64) | u128::from(self.low)
    }

    #[inline]
    pub fn set(&mut self, value: u128) {
        *self = Self::from(value);
    }
}

impl From<u128> for StoredQ64 {
    #[inline]
    fn from(value: u128) -> Self {
        Self {
            low: value as u64,
            high: (value >> 64) as u64,
        }
    }
}
