//! Off-chain projections with the program's own code (its math module and
//! account methods, not a copy): what the next instruction would settle.
use staking::math::{self, MathError, StreamCurve};
use staking::state::{Delegation, Operator, Pool, Position};

use crate::error::ClientError;

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

/// The position as a settlement at `now` would leave it: per stream, `owed`
/// is what a claim would pay and `commission_paid` includes the commission
/// taken from this interval. `delegated` is the position's operator and
/// delegation when it is delegated.
pub fn settled_position(
    pool: &Pool,
    position: &Position,
    delegated: Option<(&Operator, &Delegation)>,
    now: i64,
) -> Result<Position, ClientError> {
    let project = || -> anchor_lang::Result<Position> {
        let mut pool = *pool;
        let mut position = *position;
        pool.accrue_all(now)?;
        match delegated {
            None => position.settle_all(&pool, None)?,
            Some((operator, delegation)) => {
                let mut operator = *operator;
                let mut delegation = *delegation;
                operator.sync_streams(&pool)?;
                position.settle_all(&pool, Some((&operator, &mut delegation)))?;
            }
        }
        Ok(position)
    };
    project().map_err(|e| ClientError::invalid(format!("cannot project rewards: {e}")))
}

/// What a claim at `now` would pay on each of the pool's streams.
pub fn pending_rewards(
    pool: &Pool,
    position: &Position,
    delegated: Option<(&Operator, &Delegation)>,
    now: i64,
) -> Result<Vec<u64>, ClientError> {
    let settled = settled_position(pool, position, delegated, now)?;
    Ok(settled.rewards[..pool.streams().len()]
        .iter()
        .map(|reward| reward.owed)
        .collect())
}

/// The commission an operator's sync at `now` would leave owed, per stream.
pub fn commission_owed(
    pool: &Pool,
    operator: &Operator,
    now: i64,
) -> Result<Vec<u64>, ClientError> {
    let project = || -> anchor_lang::Result<Vec<u64>> {
        let mut pool = *pool;
        let mut operator = *operator;
        pool.accrue_all(now)?;
        operator.sync_streams(&pool)?;
        Ok(operator.streams[..pool.streams().len()]
            .iter()
            .map(|stream| stream.commission_owed)
            .collect())
    };
    project().map_err(|e| ClientError::invalid(format!("cannot project commission: {e}")))
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
