//! Bringing a position up to date, delegated or not: the sequence every
//! instruction that changes a position's stake or pays its rewards runs first.
use std::cell::RefMut;

use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::state::{Delegation, Operator, Pool, Position, ReleasedTicket, UnbondTicket};

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
pub struct LoadedDelegation<'a> {
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
) -> Result<Option<LoadedDelegation<'a>>> {
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
    Ok(Some(LoadedDelegation {
        operator_key: operator.key(),
        operator: operator.load_mut()?,
        delegation: delegation_state,
    }))
}

/// The operator and delegation accounts a settlement checks against the
/// position: from an instruction's optional [`PositionDelegation`], or from
/// the required accounts of `redelegate` and `undelegate`.
#[derive(Clone, Copy)]
pub struct DelegationAccounts<'a, 'info> {
    pub operator: Option<&'a AccountLoader<'info, Operator>>,
    pub delegation: Option<&'a AccountLoader<'info, Delegation>>,
}

impl<'info> PositionDelegation<'info> {
    pub fn accounts(&self) -> DelegationAccounts<'_, 'info> {
        DelegationAccounts {
            operator: self.operator.as_ref(),
            delegation: self.delegation.as_ref(),
        }
    }
}

/// Accrues the pool to `now`, syncs a delegated position's operator, and
/// settles the position: the one entry point every instruction that changes
/// a position's stake or pays its rewards runs first. Returns the delegated
/// accounts, loaded, for the caller's own changes (the operator's delegated
/// stake).
pub fn settle<'a>(
    pool: &mut Pool,
    position: &mut Position,
    position_key: &Pubkey,
    accounts: DelegationAccounts<'a, '_>,
    now: i64,
) -> Result<Option<LoadedDelegation<'a>>> {
    pool.accrue_all(now)?;
    let mut delegated = load_delegated(
        position,
        position_key,
        accounts.operator,
        accounts.delegation,
    )?;
    match &mut delegated {
        None => position.settle_all(pool, None)?,
        Some(accounts) => {
            accounts.operator.sync_streams(pool)?;
            position.settle_all(pool, Some((&accounts.operator, &mut accounts.delegation)))?;
        }
    }
    Ok(delegated)
}

/// Releases a ticket from the operator it was unstaked from, given as
/// `ticket_operator` (none for a ticket unstaked undelegated, which is worth
/// its amount): returns what it is worth after that operator's slashes, and
/// frees the room it kept under the operator's share cap.
pub fn release_ticket(
    account: &Option<AccountLoader<Operator>>,
    ticket: &UnbondTicket,
) -> Result<ReleasedTicket> {
    match account {
        None => {
            require!(
                ticket.operator == Pubkey::default(),
                StakingError::OperatorMismatch
            );
            Ok(ReleasedTicket {
                value: ticket.amount,
                dust: 0,
            })
        }
        Some(account) => {
            require_keys_eq!(
                account.key(),
                ticket.operator,
                StakingError::OperatorMismatch
            );
            account.load_mut()?.end_unbonding(ticket)
        }
    }
}

/// In a pool that can slash (a slasher in force or announced), a delegated
/// position's stake may not leave its operator by undelegating or
/// redelegating, which would escape a slash at once: it leaves through an
/// unbond ticket, answerable to the operator until withdrawn (and movable
/// elsewhere only once unlocked).
pub fn require_no_answerable_stake(pool: &Pool, position: &Position) -> Result<()> {
    require!(
        position.staked == 0 || !pool.slashing_possible(),
        StakingError::DelegatedStakeMustUnbond
    );
    Ok(())
}
