//! Off-chain projections with the program's own code (its math module and
//! account methods, not a copy): what the next instruction would settle.
use staking::math::{self, MathError, StreamCurve};
use staking::state::{Delegation, Operator, Pool, Position, RewardStream};

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

const SECONDS_PER_DAY: u128 = 86_400;

/// Base units a stream emits to all stakers per day at its current rate, while
/// its period runs (0 once it has ended).
pub fn emission_per_day(stream: &RewardStream, now: i64) -> u64 {
    if now >= stream.period_end {
        return 0;
    }
    u64::try_from(stream.rate_q.get().saturating_mul(SECONDS_PER_DAY) >> 64).unwrap_or(u64::MAX)
}

/// What `stake` earns per day from a stream now: its share of the pool's
/// stake times the emission, less `commission_bps` (base units, rounded
/// down; 0 when nothing is staked).
pub fn earning_per_day(
    pool: &Pool,
    stream: &RewardStream,
    stake: u64,
    commission_bps: u16,
    now: i64,
) -> u64 {
    if pool.total_staked == 0 {
        return 0;
    }
    let gross = u128::from(emission_per_day(stream, now)) * u128::from(stake)
        / u128::from(pool.total_staked);
    let net = gross * u128::from(math::BPS_DENOMINATOR - commission_bps.min(math::BPS_DENOMINATOR))
        / u128::from(math::BPS_DENOMINATOR);
    u64::try_from(net).unwrap_or(u64::MAX)
}

/// Reward tokens one staked token earns in a year at the current rate and
/// total stake (UI units of each mint; no prices involved), or `None` when
/// nothing is staked. A projection: rates and stake change.
pub fn reward_per_staked_token_per_year(
    pool: &Pool,
    stream: &RewardStream,
    now: i64,
) -> Option<f64> {
    if pool.total_staked == 0 {
        return None;
    }
    let per_year =
        emission_per_day(stream, now) as f64 * 365.0 / 10f64.powi(stream.reward_decimals.into());
    let staked = pool.total_staked as f64 / 10f64.powi(pool.stake_decimals.into());
    Some(per_year / staked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_emission_earnings_and_yearly_rate_follow_the_stream() {
        let mut pool: Pool = bytemuck::Zeroable::zeroed();
        pool.total_staked = 1_000;
        pool.stake_decimals = 6;
        let mut stream: RewardStream = bytemuck::Zeroable::zeroed();
        stream.rate_q.set(1 << 64); // one base unit a second
        stream.period_end = 1_000;
        stream.reward_decimals = 6;
        assert_eq!(emission_per_day(&stream, 0), 86_400);
        assert_eq!(emission_per_day(&stream, 1_000), 0, "the period has ended");
        // A quarter of the stake at 10% commission.
        assert_eq!(earning_per_day(&pool, &stream, 250, 1_000, 0), 19_440);
        assert_eq!(earning_per_day(&pool, &stream, 250, 0, 0), 21_600);
        // 31.536 reward tokens a year over 0.001 staked tokens.
        let rate = reward_per_staked_token_per_year(&pool, &stream, 0).unwrap();
        assert!((rate - 31_536.0).abs() < 1e-6, "{rate}");
        pool.total_staked = 0;
        assert_eq!(reward_per_staked_token_per_year(&pool, &stream, 0), None);
        assert_eq!(earning_per_day(&pool, &stream, 250, 0, 0), 0);
    }
}
