//! Off-chain projections with the program's own math module (the same code the
//! program runs, not a copy).
use staking::math::{self, MathError, StreamCurve};
use staking::state::{Pool, Position};

/// A stream's curve brought to `now`, as the next instruction would see it.
pub fn curve_at(pool: &Pool, stream_index: usize, now: i64) -> Result<StreamCurve, MathError> {
    let stream = pool
        .streams()
        .get(stream_index)
        .ok_or(MathError::Overflow)?;
    let mut curve = stream.curve();
    curve.accrue(now, pool.total_staked)?;
    Ok(curve)
}

/// What a claim at `now` would pay on each of the pool's streams: rewards
/// already settled plus what the stake earned since.
pub fn pending_rewards(pool: &Pool, position: &Position, now: i64) -> Result<Vec<u64>, MathError> {
    (0..pool.streams().len())
        .map(|index| {
            let curve = curve_at(pool, index, now)?;
            let reward = position.rewards[index];
            let gained = math::earned(
                position.staked,
                curve.reward_per_token_q,
                reward.checkpoint_q.get(),
            )?;
            reward.owed.checked_add(gained).ok_or(MathError::Overflow)
        })
        .collect()
}

/// What `recover_undistributed` would allow on a stream at `now`, given its
/// vault's balance.
pub fn recoverable(
    pool: &Pool,
    stream_index: usize,
    vault_balance: u64,
    now: i64,
) -> Result<u64, MathError> {
    math::recoverable_rewards(vault_balance, &curve_at(pool, stream_index, now)?)
}
