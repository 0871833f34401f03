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

/// A position, and its delegation when it is delegated, as a settlement at
/// `now` would leave them.
#[derive(Debug, Clone, Copy)]
pub struct Settled {
    /// Per stream, `owed` is what a claim would pay (whole base units) and
    /// `owed_fraction` what is carried beyond it.
    pub position: Position,
    /// Per stream, `commission_paid_q` includes the commission taken from
    /// this interval (Q64.64 base units, during the current delegation).
    pub delegation: Option<Delegation>,
}

impl Settled {
    /// The commission taken from the position's rewards on each of the pool's
    /// streams during its current delegation, in whole base units rounded
    /// down; `None` for an undelegated position.
    pub fn commission_paid(&self, stream_count: usize) -> Option<Vec<u64>> {
        self.delegation.as_ref().map(|delegation| {
            delegation.streams[..stream_count]
                .iter()
                .map(|stream| {
                    u64::try_from(math::q64_whole(stream.commission_paid_q.get()))
                        .unwrap_or(u64::MAX)
                })
                .collect()
        })
    }
}

/// The position as a settlement at `now` would leave it (see [`Settled`]).
/// `delegated` is the position's operator and delegation when it is
/// delegated. Projected with the program's own accrual, sync and settlement.
pub fn settled_position(
    pool: &Pool,
    position: &Position,
    delegated: Option<(&Operator, &Delegation)>,
    now: i64,
) -> Result<Settled, ClientError> {
    let project = || -> anchor_lang::Result<Settled> {
        let mut pool = *pool;
        let mut position = *position;
        pool.accrue_all(now)?;
        let delegation = match delegated {
            None => {
                position.settle_all(&pool, None)?;
                None
            }
            Some((operator, delegation)) => {
                let mut operator = *operator;
                let mut delegation = *delegation;
                operator.sync_streams(&pool)?;
                position.settle_all(&pool, Some((&operator, &mut delegation)))?;
                Some(delegation)
            }
        };
        Ok(Settled {
            position,
            delegation,
        })
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
    let settled = settled_position(pool, position, delegated, now)?.position;
    Ok(settled.rewards[..pool.streams().len()]
        .iter()
        .map(|reward| reward.owed)
        .collect())
}

/// The commission an operator's sync at `now` would leave owed (whole base
/// units: what `claim_commission` would pay), per stream. A scheduled increase
/// that is due changes nothing here: the operator's own instruction applies it
/// after syncing, so it only affects what accrues afterwards.
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
