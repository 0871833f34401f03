//! Slashing, projected off-chain with the program's own code (its `Pool` and
//! `Operator` methods on copies of the accounts, not a re-implementation):
//! the settings a pool will hold and when new ones apply, what a slash would
//! take, and what an unbond ticket is worth after its operator's slashes.
use staking::state::{Operator, Pool, SlashSettings, SlashTaken, UnbondTicket};

use crate::error::ClientError;

/// The settings a change builds on: the pending ones when some are announced
/// (a new request replaces them), else those in force at `now`.
pub fn latest_settings(pool: &Pool, now: i64) -> SlashSettings {
    pool.pending_slash_settings()
        .map_or_else(|| pool.slash_settings_at(now), |(pending, _)| pending)
}

/// When `requested` would take effect if `set_slasher` ran at `now`: `None`
/// at once (removing the slasher, lowering the maximum of the slasher in
/// force, or nothing staked or unbonding), else when the program's notice
/// runs out. Errors as the program would refuse (a maximum outside 1–10,000
/// bps).
pub fn settings_apply_at(
    pool: &Pool,
    requested: SlashSettings,
    now: i64,
) -> Result<Option<i64>, ClientError> {
    Ok(project_update(pool, Some(requested), None, now)?.applies_at)
}

/// What a pool update at `now` does to the slash settings, projected with the
/// program's code: see [`project_update`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SettingsUpdate {
    /// When the requested settings apply: `None` at once (or none requested).
    pub applies_at: Option<i64>,
    /// The date of pending settings the request replaces (or, turning
    /// slashing off, cancels).
    pub replaces_pending_at: Option<i64>,
    /// The requested settings are those in force, with nothing pending.
    pub unchanged: bool,
    /// The new unbonding period pushed pending settings (the requested ones,
    /// or those announced before) to this date: two of the new periods on.
    pub postponed_to: Option<i64>,
}

/// `set_slasher(requested)` (when some) then `update_pool` with
/// `unbonding_period` (when some) at `now`, in that order, as one
/// transaction runs them. Errors as the program would refuse the settings.
pub fn project_update(
    pool: &Pool,
    requested: Option<SlashSettings>,
    unbonding_period: Option<u64>,
    now: i64,
) -> Result<SettingsUpdate, ClientError> {
    let refused = |e: anchor_lang::error::Error| {
        ClientError::invalid(format!("the program would refuse these settings: {e}"))
    };
    let mut pool = *pool;
    pool.apply_due_slash_settings(now);
    let mut update = SettingsUpdate::default();
    if let Some(requested) = requested {
        update.replaces_pending_at = pool.pending_slash_settings().map(|(_, at)| at);
        update.unchanged =
            update.replaces_pending_at.is_none() && requested == pool.slash_settings_at(now);
        update.applies_at = pool
            .request_slash_settings(requested, now)
            .map_err(refused)?;
    }
    if let Some(period) = unbonding_period {
        pool.unbonding_period = period;
        update.postponed_to = pool.postpone_pending_slash_settings(now).map_err(refused)?;
        if update.applies_at.is_some() {
            update.applies_at = update.postponed_to.or(update.applies_at);
        }
    }
    Ok(update)
}

/// What `slash(bps)` would take from `operator` now: from its delegators'
/// earning stake and from the open tickets unstaked from it (the slash
/// destination also receives the pool's `slash_dust`).
pub fn slash_preview(operator: &Operator, bps: u16) -> Result<SlashTaken, ClientError> {
    let mut operator = *operator;
    operator
        .slash(bps, 0)
        .map_err(|e| ClientError::invalid(format!("cannot project the slash: {e}")))
}

/// What a ticket pays on withdrawal (or returns to stake when cancelled)
/// now: its amount, less what slashes of the operator it was unstaked from
/// took. `operator`: that operator's account (`None` for a ticket unstaked
/// while undelegated, which no slash reaches).
pub fn ticket_value(
    ticket: &UnbondTicket,
    operator: Option<&Operator>,
) -> Result<u64, ClientError> {
    match operator {
        None => Ok(ticket.amount),
        Some(operator) => operator
            .ticket_value(ticket)
            .map_err(|e| ClientError::invalid(format!("cannot value the ticket: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::prelude::Pubkey;
    use bytemuck::Zeroable;
    use staking::state::Delegation;

    fn settings(slasher: Pubkey, max_slash_bps: u16) -> SlashSettings {
        SlashSettings {
            slasher,
            destination: Pubkey::new_unique(),
            max_slash_bps,
        }
    }

    #[test]
    fn new_slashers_and_higher_maximums_wait_out_a_notice() {
        let mut pool = Pool::zeroed();
        pool.unbonding_period = 100;
        let slasher = Pubkey::new_unique();
        // Nothing staked: at once.
        assert_eq!(
            settings_apply_at(&pool, settings(slasher, 1_000), 50).unwrap(),
            None
        );
        pool.request_slash_settings(settings(slasher, 1_000), 50)
            .unwrap();
        pool.total_staked = 1;
        // Lower: at once; higher or another slasher: one period on.
        assert_eq!(
            settings_apply_at(&pool, settings(slasher, 500), 60).unwrap(),
            None
        );
        // (At least one unbonding period: the program decides how long.)
        let later = |at: Option<i64>| matches!(at, Some(at) if at >= 160);
        assert!(later(
            settings_apply_at(&pool, settings(slasher, 2_000), 60).unwrap()
        ));
        let other = Pubkey::new_unique();
        assert!(later(
            settings_apply_at(&pool, settings(other, 100), 60).unwrap()
        ));
        // Removing: at once.
        assert_eq!(
            settings_apply_at(&pool, SlashSettings::default(), 60).unwrap(),
            None
        );
        assert!(settings_apply_at(&pool, settings(slasher, 0), 60).is_err());
        // A pending change is what the next one builds on, until it applies.
        pool.request_slash_settings(settings(other, 300), 60)
            .unwrap();
        assert_eq!(latest_settings(&pool, 70).slasher, other);
        assert_eq!(pool.slash_settings_at(70).slasher, slasher);
        let (_, at) = pool.pending_slash_settings().unwrap();
        assert_eq!(pool.slash_settings_at(at).slasher, other);
    }

    #[test]
    fn updates_say_what_they_replace_postpone_or_leave_alone() {
        let mut pool = Pool::zeroed();
        pool.unbonding_period = 100;
        let slasher = Pubkey::new_unique();
        let first = settings(slasher, 1_000);
        pool.request_slash_settings(first, 0).unwrap();
        pool.total_staked = 1;
        let same = project_update(&pool, Some(first), None, 10).unwrap();
        assert!(same.unchanged && same.applies_at.is_none(), "{same:?}");
        // Announced: a new request replaces it; turning slashing off cancels it.
        let higher = settings(slasher, 2_000);
        let at = pool.request_slash_settings(higher, 10).unwrap().unwrap();
        assert_eq!(at, 210, "two unbonding periods");
        let again = project_update(&pool, Some(higher), None, 20).unwrap();
        assert_eq!(
            (again.replaces_pending_at, again.unchanged),
            (Some(210), false)
        );
        assert_eq!(again.applies_at, Some(220));
        let off = project_update(&pool, Some(SlashSettings::default()), None, 20).unwrap();
        assert_eq!((off.replaces_pending_at, off.applies_at), (Some(210), None));
        // A longer unbonding period pushes them to two of the new periods on,
        // requested in the same transaction or announced before.
        let longer = project_update(&pool, None, Some(500), 20).unwrap();
        assert_eq!(longer.postponed_to, Some(1_020));
        let both = project_update(&pool, Some(higher), Some(500), 20).unwrap();
        assert_eq!(
            (both.applies_at, both.postponed_to),
            (Some(1_020), Some(1_020))
        );
        assert_eq!(
            project_update(&pool, None, Some(50), 20)
                .unwrap()
                .postponed_to,
            None
        );
    }

    #[test]
    fn a_slash_reaches_delegated_stake_and_open_tickets() {
        let mut operator = Operator::zeroed();
        operator.init_slashing();
        let mut delegation = Delegation::zeroed();
        operator.add_returning(&mut delegation, 1_000).unwrap();
        let mut ticket = UnbondTicket::zeroed();
        ticket.amount = 400;
        operator
            .begin_unbonding(&mut delegation, 400, &mut ticket)
            .unwrap();
        assert_eq!(ticket_value(&ticket, Some(&operator)).unwrap(), 400);
        let taken = slash_preview(&operator, 1_000).unwrap();
        assert_eq!(
            (taken.from_delegated, taken.from_unbonding),
            (60, 40),
            "10% of 600 delegated and of the 400 ticket"
        );
        // The preview changed nothing; the slash itself does what it said.
        assert_eq!(operator.total_slashed, 0);
        assert_eq!(operator.slash(1_000, 7).unwrap(), taken);
        assert_eq!(ticket_value(&ticket, Some(&operator)).unwrap(), 360);
        assert_eq!(operator.stake_of(&delegation).unwrap(), 540);
        assert_eq!(ticket_value(&ticket, None).unwrap(), 400);
        assert!(!operator.is_slashed_out());
        operator.slash(10_000, 8).unwrap();
        assert!(operator.is_slashed_out(), "slashed 100%");
        assert_eq!(operator.stake_of(&delegation).unwrap(), 0);
        assert!(operator.add_returning(&mut delegation, 1).is_err());
        assert!(!Operator::zeroed().is_slashed_out(), "a new operator");
    }
}
