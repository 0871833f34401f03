//! Bringing a position up to date, delegated or not: the sequence every
//! instruction that changes a position's stake or pays its rewards runs first.
use std::cell::RefMut;

use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::state::{Delegation, Operator, Pool, Position};

/// A position's operator and `Delegation`: both when the position is
/// delegated, neither (the program id in their place) when it is not.
#[derive(Accounts)]
pub struct PositionDelegation<'info> {
    #[account(mut)]
    pub operator: Option<AccountLoader<'info, Operator>>,
    #[account(mut)]
    pub delegation: Option<AccountLoader<'info, Delegation>>,
}

/// A delegated position's operator and delegation, loaded for writing.
pub struct Delegated<'a> {
    pub operator_key: Pubkey,
    pub operator: RefMut<'a, Operator>,
    pub delegation: RefMut<'a, Delegation>,
}

/// Checks the optional operator and delegation accounts against the position:
/// none for an undelegated position; for a delegated one, exactly its operator
/// and its delegation.
fn load_delegated<'a>(
    position: &Position,
    position_key: &Pubkey,
    operator: Option<&'a AccountLoader<Operator>>,
    delegation: Option<&'a AccountLoader<Delegation>>,
) -> Result<Option<Delegated<'a>>> {
    if !position.is_delegated() {
        require!(
            operator.is_none() && delegation.is_none(),
            StakingError::OperatorMismatch
        );
        return Ok(None);
    }
    let (Some(operator), Some(delegation)) = (operator, delegation) else {
        return err!(StakingError::OperatorMismatch);
    };
    require_keys_eq!(
        operator.key(),
        position.operator,
        StakingError::OperatorMismatch
    );
    let delegation_state = delegation.load_mut()?;
    // `delegate` and `redelegate` set the position's and the delegation's
    // operator together, so the position binds both.
    require_keys_eq!(
        delegation_state.position,
        *position_key,
        StakingError::OperatorMismatch
    );
    Ok(Some(Delegated {
        operator_key: operator.key(),
        operator: operator.load_mut()?,
        delegation: delegation_state,
    }))
}

/// Accrues the pool to `now`, syncs a delegated position's operator, and
/// settles the position. Returns the delegated accounts for the caller's own
/// changes (the operator's delegated stake).
pub fn settle_position<'a>(
    pool: &mut Pool,
    position: &mut Position,
    position_key: &Pubkey,
    accounts: &'a PositionDelegation,
    now: i64,
) -> Result<Option<Delegated<'a>>> {
    settle_with(
        pool,
        position,
        position_key,
        accounts.operator.as_ref(),
        accounts.delegation.as_ref(),
        now,
    )
}

/// [`settle_position`] for instructions that take the operator and the
/// delegation as required accounts (`redelegate`, `undelegate`).
pub fn settle_with<'a>(
    pool: &mut Pool,
    position: &mut Position,
    position_key: &Pubkey,
    operator: Option<&'a AccountLoader<Operator>>,
    delegation: Option<&'a AccountLoader<Delegation>>,
    now: i64,
) -> Result<Option<Delegated<'a>>> {
    pool.accrue_all(now)?;
    let mut delegated = load_delegated(position, position_key, operator, delegation)?;
    match &mut delegated {
        None => position.settle_all(pool, None)?,
        Some(accounts) => {
            accounts.operator.sync_streams(pool)?;
            position.settle_all(pool, Some((&accounts.operator, &mut accounts.delegation)))?;
        }
    }
    Ok(delegated)
}

/// Releases the room a ticket kept with the operator it was unstaked from
/// (none for a ticket unstaked undelegated), given as `ticket_operator`.
pub fn release_ticket_operator(
    account: &Option<AccountLoader<Operator>>,
    ticket_operator: Pubkey,
    amount: u64,
) -> Result<()> {
    match account {
        None => require!(
            ticket_operator == Pubkey::default(),
            StakingError::OperatorMismatch
        ),
        Some(account) => {
            require_keys_eq!(
                account.key(),
                ticket_operator,
                StakingError::OperatorMismatch
            );
            account.load_mut()?.end_unbonding(amount)?;
        }
    }
    Ok(())
}
