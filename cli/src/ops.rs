//! User-level operations: resolve what a user typed (UI amounts, `ALL`, token
//! accounts) against the chain and return the instructions to send, with a
//! summary for people and the same facts, typed, for `--output json`.
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent;
use solana_keypair::Keypair;
use solana_signer::Signer;
use staking::instructions::{InitializePoolParams, UpdatePoolParams};
use staking::state::{Delegation, Operator, Pool, Position, SlashSettings, UnbondTicket};
use staking::token::AcceptedMintAuthorities;

use crate::output::{to_hex, Action, PoolMints, Report, SlashSettingsChange};
use crate::views::{format_bps, is_bidi_control, printable};
use staking_client::accounts::{reward_stream, MintInfo};
use staking_client::amount::{
    format_date, format_duration, format_ui, format_when, AmountArg, UiAmount,
};
use staking_client::ClientError;
use staking_client::{instructions as ix, pda, rewards, slashing, StakingClient};

use crate::session::Session;

/// Tickets withdrawn per transaction by `withdraw` without a ticket (each adds
/// eight accounts; this keeps the transaction well under its size limit).
pub const MAX_WITHDRAWALS_PER_TX: usize = 4;

/// Instructions to send, and what they do.
#[derive(Debug, Clone)]
pub struct Plan {
    pub instructions: Vec<Instruction>,
    /// Keypairs the transaction needs besides the payer (a new unbond ticket).
    pub signers: Vec<Arc<Keypair>>,
    pub summary: String,
    pub pool: Pubkey,
    pub action: Action,
    /// For commands that pay the signer or restake (claims, withdrawals,
    /// compounding) or slash: what to report from the landed transaction's
    /// events. `None`: nothing to report.
    pub report: Option<Report>,
}

/// A pool's operator settings at creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperatorSettings {
    pub approval_required: bool,
    pub max_commission_bps: u16,
    /// `None`: no cap.
    pub max_share_bps: Option<u16>,
}

impl Default for OperatorSettings {
    /// Open registration, any commission, no share cap.
    fn default() -> Self {
        OperatorSettings {
            approval_required: false,
            max_commission_bps: staking::math::BPS_DENOMINATOR,
            max_share_bps: None,
        }
    }
}

/// Changes to a pool's operator settings; `None` keeps a setting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OperatorSettingsUpdate {
    pub approval_required: Option<bool>,
    pub max_commission_bps: Option<u16>,
    /// `Some(10_000)` removes the cap.
    pub max_share_bps: Option<u16>,
}

/// Slash settings a command asks for. For `create-pool`, no slasher leaves
/// slashing off; for `update-pool`, `None` keeps a setting at its latest value
/// (the pending one when settings are announced, else the one in force).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlashSettingsUpdate {
    pub slasher: Option<Pubkey>,
    /// [default: the slasher's destination when it stays, else the new
    /// slasher's associated token account for the stake mint, created if missing]
    pub destination: Option<Pubkey>,
    pub max_slash_bps: Option<u16>,
    /// Turn slashing off.
    pub off: bool,
}

/// What a slash carries as its reason: 32 bytes (e.g. the evidence's hash),
/// and the file they are the SHA-256 of, when given as one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlashReason {
    pub bytes: [u8; 32],
    pub file: Option<String>,
}

/// The operator a position is delegated to, if any.
pub fn operator_of(position: &Position) -> Option<Pubkey> {
    position.is_delegated().then_some(position.operator)
}

fn amount_in(amount: AmountArg, all: u64, decimals: u8, what: &str) -> Result<u64, ClientError> {
    let base = match amount {
        AmountArg::All => all,
        AmountArg::Ui(ui) => ui.to_base_units(decimals)?,
    };
    if base == 0 {
        return Err(ClientError::invalid(format!("nothing to {what}")));
    }
    Ok(base)
}

impl Session {
    /// The signer's position in a pool, which must exist.
    async fn my_position(&self, pool_address: &Pubkey) -> Result<Position, ClientError> {
        let me = self.me()?;
        self.position(pool_address, &me).await?.ok_or_else(|| {
            ClientError::invalid(format!(
                "you ({me}) have no position in pool {pool_address}"
            ))
        })
    }

    /// The signer's operator in a pool, which must exist, with its address.
    async fn my_operator(&self, pool_address: &Pubkey) -> Result<(Pubkey, Operator), ClientError> {
        let me = self.me()?;
        let address = pda::operator(&self.program_id, pool_address, &me);
        if !self.exists(&address).await? {
            return Err(no_operator(&me, pool_address, true));
        }
        Ok((address, self.operator(&address).await?))
    }

    /// An operator, which must belong to the pool.
    async fn pool_operator(
        &self,
        pool_address: &Pubkey,
        operator_address: &Pubkey,
    ) -> Result<Operator, ClientError> {
        let operator = self.operator(operator_address).await?;
        if operator.pool != *pool_address {
            return Err(ClientError::invalid(format!(
                "operator {operator_address} belongs to pool {}, not {pool_address}",
                operator.pool
            )));
        }
        Ok(operator)
    }

    /// The owner's associated token account, with an instruction creating it
    /// if missing (paid by the signer).
    fn ata_for(
        &self,
        owner: &Pubkey,
        mint: &Pubkey,
        token_program: &Pubkey,
    ) -> Result<(Pubkey, Instruction), ClientError> {
        Ok((
            pda::token_account(owner, mint, token_program),
            create_associated_token_account_idempotent(&self.me()?, owner, mint, token_program),
        ))
    }

    /// Creates a pool with the signer as creator and authority, at
    /// `pda::pool(program, stake_mint, signer, pool_id)`.
    /// `accepted`: the stake mint's authorities to accept (a mint with one not
    /// accepted is refused here, before sending).
    #[allow(clippy::too_many_arguments)]
    pub async fn plan_create_pool(
        &self,
        stake_mint: &Pubkey,
        pool_id: u64,
        unbonding_period: u64,
        min_stake: Option<UiAmount>,
        max_total_stake: Option<UiAmount>,
        operators: OperatorSettings,
        accepted: AcceptedMintAuthorities,
        slashing: SlashSettingsUpdate,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let mint = self.mint(stake_mint).await?;
        let trust_note = check_mint_policy(self, &mint, "stake", accepted).await?;
        let pool = pda::pool(&self.program_id, stake_mint, &me, pool_id);
        if self.exists(&pool).await? {
            return Err(ClientError::invalid(format!(
                "pool {pool} (mint {stake_mint}, creator {me}, id {pool_id}) already exists"
            )));
        }
        let params = InitializePoolParams {
            unbonding_period,
            min_stake: min_stake
                .map(|m| m.to_base_units(mint.decimals))
                .transpose()?
                .unwrap_or(0),
            max_total_stake: max_total_stake
                .map(|m| m.to_base_units(mint.decimals))
                .transpose()?,
            operator_approval_required: operators.approval_required,
            max_commission_bps: operators.max_commission_bps,
            max_operator_share_bps: operators.max_share_bps,
            accepted_mint_authorities: accepted,
        };
        let mut instructions = vec![ix::initialize_pool(
            &self.program_id,
            &me,
            stake_mint,
            &mint.token_program,
            pool_id,
            params,
        )];
        // Sent after the pool's creation, in the same transaction: nothing
        // is staked yet, so the settings apply at once.
        let slash_settings = self
            .slash_settings_instructions(
                &pool,
                (stake_mint, &mint.token_program),
                SlashSettings::default(),
                slashing,
            )
            .await?
            .map(|(set, requested)| {
                instructions.extend(set);
                SlashSettingsChange::new(&requested, None)
            });
        let now = self.now().await?;
        let slash_note = slash_settings
            .as_ref()
            .map(|change| format!("; {}", change.sentence(now)))
            .unwrap_or_default();
        Ok(Plan {
            signers: Vec::new(),
            instructions,
            summary: format!(
                "Create pool {pool} for mint {stake_mint} (id {pool_id}, creator {me}, unbonding {}){trust_note}{slash_note}",
                format_duration(unbonding_period)
            ),
            pool,
            action: Action::CreatePool {
                stake_mint: stake_mint.to_string(),
                pool_id,
                creator: me.to_string(),
                stake_mint_freeze_authority: mint.freeze_authority.map(|a| a.to_string()),
                stake_mint_transfer_fee_authority: mint.transfer_fee_authority.map(|a| a.to_string()),
                slash_settings,
            },
            report: None,
        })
    }

    /// `accepted`: the reward mint's authorities to accept (a mint with one
    /// not accepted is refused here, before sending).
    pub async fn plan_add_reward_stream(
        &self,
        pool_address: &Pubkey,
        reward_mint: &Pubkey,
        accepted: AcceptedMintAuthorities,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
        check_pool_authority(&me, &pool)?;
        let mint = self.mint(reward_mint).await?;
        let trust_note = check_mint_policy(self, &mint, "reward", accepted).await?;
        let index = pool.reward_stream_count;
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::add_reward_stream(
                &self.program_id,
                &me,
                pool_address,
                reward_mint,
                &mint.token_program,
                accepted,
            )],
            summary: format!(
                "Add reward stream {index} paying {reward_mint} to pool {pool_address}{trust_note}"
            ),
            pool: *pool_address,
            action: Action::AddRewardStream {
                stream: index,
                reward_mint: reward_mint.to_string(),
                freeze_authority: mint.freeze_authority.map(|a| a.to_string()),
                transfer_fee_authority: mint.transfer_fee_authority.map(|a| a.to_string()),
            },
            report: None,
        })
    }

    pub async fn plan_fund(
        &self,
        pool_address: &Pubkey,
        stream_index: u8,
        amount: UiAmount,
        duration: u64,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
        check_pool_authority(&me, &pool)?;
        let stream = reward_stream(pool_address, &pool, stream_index)?;
        let base = amount.to_base_units(stream.reward_decimals)?;
        let source = pda::token_account(&me, &stream.reward_mint, &stream.reward_token_program);
        let balance = self.token_balance(&source).await?;
        if base > balance {
            return Err(ClientError::invalid(format!(
                "cannot fund {amount}: your token account {source} holds {} of reward mint {}",
                format_ui(balance, stream.reward_decimals),
                stream.reward_mint
            )));
        }
        let instruction = ix::fund_rewards(
            &self.program_id,
            &me,
            pool_address,
            &pool,
            stream_index,
            &source,
            base,
            duration,
        )?;
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![instruction],
            summary: format!(
                "Fund stream {stream_index} of pool {pool_address} with {amount} over {}",
                format_duration(duration)
            ),
            pool: *pool_address,
            action: Action::Fund {
                stream: stream_index,
                amount: base,
                duration,
            },
            report: None,
        })
    }

    pub async fn plan_stake(
        &self,
        pool_address: &Pubkey,
        amount: AmountArg,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
        let source = pda::token_account(&me, &pool.stake_mint, &pool.stake_token_program);
        let balance = self.token_balance(&source).await?;
        let base = amount_in(
            amount,
            balance,
            pool.stake_decimals,
            "stake: the token account is empty",
        )?;
        if base > balance {
            return Err(ClientError::invalid(format!(
                "cannot stake {}: token account {source} holds {}",
                format_ui(base, pool.stake_decimals),
                format_ui(balance, pool.stake_decimals)
            )));
        }
        let mut instructions = Vec::new();
        let position = self.position(pool_address, &me).await?;
        if let Some(operator) = position.as_ref().and_then(operator_of) {
            check_takes_stake(pool_address, &operator, &self.operator(&operator).await?)?;
        }
        if position.is_none() {
            instructions.push(ix::open_position(&self.program_id, pool_address, &me));
        }
        instructions.push(ix::stake(
            &self.program_id,
            pool_address,
            &pool,
            &me,
            position.as_ref().and_then(operator_of).as_ref(),
            &source,
            base,
        ));
        Ok(Plan {
            signers: Vec::new(),
            instructions,
            summary: format!(
                "Stake {} in pool {pool_address}",
                format_ui(base, pool.stake_decimals)
            ),
            pool: *pool_address,
            action: Action::Stake { amount: base },
            report: None,
        })
    }

    pub async fn plan_unstake(
        &self,
        pool_address: &Pubkey,
        amount: AmountArg,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
        let position = self.my_position(pool_address).await?;
        let now = self.now().await?;
        // What the program will find: a slash since the last settlement
        // lowered a delegated position's stake.
        let (settled, delegated) = self.settled(pool_address, &pool, &position, now).await?;
        let staked = settled.staked;
        let base = amount_in(
            amount,
            staked,
            pool.stake_decimals,
            "unstake: nothing is staked",
        )?;
        if base > staked {
            return Err(ClientError::invalid(format!(
                "cannot unstake {}: the position has {} staked",
                format_ui(base, pool.stake_decimals),
                format_ui(staked, pool.stake_decimals)
            )));
        }
        let ticket_keypair = Arc::new(Keypair::new());
        let ticket = ticket_keypair.pubkey();
        let unlock_at = now.saturating_add(pool.unbonding_period.try_into().unwrap_or(i64::MAX));
        let answerable = match &delegated {
            Some((operator, _, _)) if pool.slashing_possible() => format!(
                "; until you withdraw it, the ticket stays answerable to operator {operator}'s slashes (withdraw it once it unlocks)"
            ),
            _ => String::new(),
        };
        Ok(Plan {
            signers: vec![ticket_keypair],
            instructions: vec![ix::unstake(
                &self.program_id,
                pool_address,
                &me,
                operator_of(&position).as_ref(),
                &ticket,
                base,
            )],
            summary: format!(
                "Unstake {} from pool {pool_address} into ticket {ticket} (unlocks about {}){answerable}",
                format_ui(base, pool.stake_decimals),
                format_when(unlock_at, now)
            ),
            pool: *pool_address,
            action: Action::Unstake {
                amount: base,
                ticket: ticket.to_string(),
            },
            report: None,
        })
    }

    /// When the ticket (or, without one, the signer's earliest ticket in the
    /// pool) unlocks, if that is still ahead; `None` when something can be
    /// withdrawn now or there is no ticket.
    pub async fn next_unlock(
        &self,
        pool_address: &Pubkey,
        ticket: Option<Pubkey>,
    ) -> Result<Option<i64>, ClientError> {
        let now = self.now().await?;
        let unlocks: Vec<i64> = match ticket {
            Some(address) => vec![self.account::<UnbondTicket>(&address).await?.unlock_at],
            None => self
                .tickets(&self.me()?, Some(pool_address))
                .await?
                .iter()
                .map(|(_, t)| t.unlock_at)
                .collect(),
        };
        if unlocks.iter().any(|&at| at <= now) {
            return Ok(None);
        }
        Ok(unlocks.into_iter().min())
    }

    /// Withdraws one ticket, or every unlocked ticket of this pool (up to
    /// [`MAX_WITHDRAWALS_PER_TX`]).
    pub async fn plan_withdraw(
        &self,
        pool_address: &Pubkey,
        ticket: Option<Pubkey>,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
        let now = self.now().await?;
        let tickets: Vec<(Pubkey, UnbondTicket)> = match ticket {
            Some(address) => {
                let ticket: UnbondTicket = self.account(&address).await?;
                check_ticket(&me, pool_address, &address, &ticket)?;
                if ticket.unlock_at > now {
                    return Err(ClientError::invalid(format!(
                        "ticket {address} is still locked: it unlocks {}",
                        format_when(ticket.unlock_at, now)
                    )));
                }
                vec![(address, ticket)]
            }
            None => self
                .tickets(&me, Some(pool_address))
                .await?
                .into_iter()
                .filter(|(_, t)| t.unlock_at <= now)
                .take(MAX_WITHDRAWALS_PER_TX)
                .collect(),
        };
        if tickets.is_empty() {
            return Err(ClientError::invalid(match self.next_unlock(pool_address, None).await? {
                Some(unlock_at) => format!(
                    "no unlocked unbond ticket in pool {pool_address}: the next unlocks {} (`staking withdraw --wait` waits for it)",
                    format_when(unlock_at, now)
                ),
                None => format!("you have no unbond ticket in pool {pool_address}"),
            }));
        }
        let (destination, create) =
            self.ata_for(&me, &pool.stake_mint, &pool.stake_token_program)?;
        let mut instructions = vec![create];
        instructions.extend(tickets.iter().map(|(address, ticket)| {
            ix::withdraw(
                &self.program_id,
                pool_address,
                &pool,
                &me,
                address,
                ticket,
                &destination,
            )
        }));
        let operators = self.ticket_operators(&tickets).await?;
        let mut notes = String::new();
        for (address, ticket) in &tickets {
            let operator = ix::ticket_operator(ticket).and_then(|key| operators.get(&key));
            if let Some(note) = slashed_ticket_note(
                address,
                ticket,
                operator,
                pool.stake_decimals,
                "you receive",
            )? {
                notes += &format!("; {note}");
            }
        }
        let tickets: Vec<Pubkey> = tickets.into_iter().map(|(address, _)| address).collect();
        Ok(Plan {
            signers: Vec::new(),
            instructions,
            summary: format!(
                "Withdraw {} from pool {pool_address} to {destination}{notes}",
                plural(tickets.len(), "unbond ticket", "unbond tickets")
            ),
            pool: *pool_address,
            action: Action::Withdraw {
                tickets: tickets.iter().map(|t| t.to_string()).collect(),
            },
            report: Some(Report::Moved(PoolMints::of(&pool))),
        })
    }

    pub async fn plan_cancel_unbond(
        &self,
        pool_address: &Pubkey,
        ticket: &Pubkey,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let ticket_state: UnbondTicket = self.account(ticket).await?;
        check_ticket(&me, pool_address, ticket, &ticket_state)?;
        let position = self.my_position(pool_address).await?;
        let pool = self.pool(pool_address).await?;
        check_ticket_may_return(
            pool_address,
            &pool,
            ticket,
            &ticket_state,
            operator_of(&position),
            self.now().await?,
        )?;
        if let Some(operator) = operator_of(&position) {
            check_takes_stake(pool_address, &operator, &self.operator(&operator).await?)?;
        }
        let from = match ix::ticket_operator(&ticket_state) {
            Some(key) => Some(self.operator(&key).await?),
            None => None,
        };
        let note = slashed_ticket_note(
            ticket,
            &ticket_state,
            from.as_ref(),
            pool.stake_decimals,
            "it returns",
        )?;
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::cancel_unbond(
                &self.program_id,
                pool_address,
                &me,
                operator_of(&position).as_ref(),
                ticket,
                &ticket_state,
            )],
            summary: format!(
                "Return unbond ticket {ticket} to stake in pool {pool_address}{}",
                note.map(|note| format!("; {note}")).unwrap_or_default()
            ),
            pool: *pool_address,
            action: Action::CancelUnbond {
                ticket: ticket.to_string(),
            },
            report: None,
        })
    }

    pub async fn plan_claim(
        &self,
        pool_address: &Pubkey,
        stream_index: Option<u8>,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
        let position = self.my_position(pool_address).await?;
        let streams: Vec<u8> = match stream_index {
            Some(index) => vec![reward_stream(pool_address, &pool, index).map(|_| index)?],
            None => (0..pool.reward_stream_count).collect(),
        };
        let mut instructions = Vec::with_capacity(streams.len() + 1);
        for stream in streams.iter().map(|i| pool.reward_streams[*i as usize]) {
            instructions.push(
                self.ata_for(&me, &stream.reward_mint, &stream.reward_token_program)?
                    .1,
            );
        }
        instructions.push(ix::claim_rewards(
            &self.program_id,
            pool_address,
            &pool,
            &me,
            operator_of(&position).as_ref(),
            stream_index,
        )?);
        Ok(Plan {
            signers: Vec::new(),
            instructions,
            summary: format!("Claim rewards from pool {pool_address}"),
            pool: *pool_address,
            action: Action::Claim { streams },
            report: Some(Report::Moved(PoolMints::of(&pool))),
        })
    }

    pub async fn plan_compound(
        &self,
        pool_address: &Pubkey,
        stream_index: u8,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
        let position = self.my_position(pool_address).await?;
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::compound(
                &self.program_id,
                pool_address,
                &pool,
                &me,
                operator_of(&position).as_ref(),
                stream_index,
            )?],
            summary: format!(
                "Compound stream {stream_index} rewards into stake in pool {pool_address}"
            ),
            pool: *pool_address,
            action: Action::Compound {
                stream: stream_index,
            },
            report: Some(Report::Moved(PoolMints::of(&pool))),
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn plan_update_pool(
        &self,
        pool_address: &Pubkey,
        unbonding_period: Option<u64>,
        min_stake: Option<UiAmount>,
        max_total_stake: Option<Option<UiAmount>>,
        paused: Option<bool>,
        operators: OperatorSettingsUpdate,
        slashing: SlashSettingsUpdate,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
        check_pool_authority(&me, &pool)?;
        let now = self.now().await?;
        // First in the transaction: a change's notice is the unbonding
        // period in force before this update.
        let mut instructions = Vec::new();
        let requested = match self
            .slash_settings_instructions(
                pool_address,
                (&pool.stake_mint, &pool.stake_token_program),
                slashing::latest_settings(&pool, now),
                slashing,
            )
            .await?
        {
            Some((set, requested)) => {
                instructions.extend(set);
                Some(requested)
            }
            None => None,
        };
        let projected = slashing::project_update(&pool, requested, unbonding_period, now)?;
        let slash_settings = requested
            .as_ref()
            .map(|requested| SlashSettingsChange::new(requested, projected.applies_at));
        let decimals = pool.stake_decimals;
        let params = UpdatePoolParams {
            unbonding_period,
            min_stake: min_stake.map(|m| m.to_base_units(decimals)).transpose()?,
            max_total_stake: match max_total_stake {
                Some(Some(cap)) => Some(cap.to_base_units(decimals)?),
                Some(None) => Some(staking::constants::NO_STAKE_CAP),
                None => None,
            },
            paused,
            operator_approval_required: operators.approval_required,
            max_commission_bps: operators.max_commission_bps,
            max_operator_share_bps: operators.max_share_bps,
        };
        if params != UpdatePoolParams::default() {
            instructions.push(ix::update_pool(
                &self.program_id,
                &me,
                pool_address,
                params.clone(),
            ));
        } else if slash_settings.is_none() {
            return Err(ClientError::invalid(
                "nothing to update: pass at least one setting",
            ));
        }
        let mut slash_note = match &slash_settings {
            Some(_) if projected.unchanged => {
                "; slashing settings: no change (these are in force)".to_string()
            }
            Some(change) => format!("; {}", change.sentence(now)),
            None => String::new(),
        };
        if let Some(at) = projected.replaces_pending_at {
            slash_note += &match &slash_settings {
                Some(change) if change.slasher.is_none() => format!(
                    "; the change announced for {} is cancelled too",
                    format_date(at)
                ),
                _ => format!(
                    "; this replaces the change announced for {}",
                    format_date(at)
                ),
            };
        }
        if let Some(at) = projected.postponed_to {
            slash_note += &format!(
                "; the longer unbonding period postpones the pending slashing settings to {} (two unbonding periods from now)",
                format_when(at, now)
            );
        }
        Ok(Plan {
            signers: Vec::new(),
            instructions,
            summary: format!("Update pool {pool_address}{slash_note}"),
            pool: *pool_address,
            action: Action::UpdatePool {
                unbonding_period: params.unbonding_period,
                min_stake: params.min_stake,
                max_total_stake: params.max_total_stake,
                paused: params.paused,
                operator_approval_required: params.operator_approval_required,
                max_commission_bps: params.max_commission_bps,
                max_operator_share_bps: params.max_operator_share_bps,
                slash_settings,
            },
            report: None,
        })
    }

    pub async fn plan_transfer_authority(
        &self,
        pool_address: &Pubkey,
        new_authority: &Pubkey,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        check_pool_authority(&me, &self.pool(pool_address).await?)?;
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::transfer_authority(
                &self.program_id,
                &me,
                pool_address,
                new_authority,
            )],
            summary: format!(
                "Propose {new_authority} as authority of pool {pool_address} (they must accept)"
            ),
            pool: *pool_address,
            action: Action::TransferAuthority {
                new_authority: new_authority.to_string(),
            },
            report: None,
        })
    }

    pub async fn plan_accept_authority(&self, pool_address: &Pubkey) -> Result<Plan, ClientError> {
        let me = self.me()?;
        match self.pool(pool_address).await?.pending_authority() {
            Some(proposed) if proposed == me => {}
            Some(proposed) => {
                return Err(ClientError::invalid(format!(
                    "you ({me}) are not the proposed authority of this pool, which is {proposed}; sign with its keypair (-k)"
                )))
            }
            None => {
                return Err(ClientError::invalid(format!(
                    "pool {pool_address} has no authority transfer pending (its authority proposes one with `transfer-authority`)"
                )))
            }
        }
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::accept_authority(&self.program_id, &me, pool_address)],
            summary: format!("Accept authority of pool {pool_address}"),
            pool: *pool_address,
            action: Action::AcceptAuthority {},
            report: None,
        })
    }

    pub async fn plan_recover(
        &self,
        pool_address: &Pubkey,
        stream_index: u8,
        amount: AmountArg,
        destination: Option<Pubkey>,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
        check_pool_authority(&me, &pool)?;
        let stream = reward_stream(pool_address, &pool, stream_index)?;
        let vault_balance = self.token_balance(&stream.reward_vault).await?;
        let now = self.now().await?;
        let recoverable = rewards::recoverable(&pool, stream_index as usize, vault_balance, now)?;
        if recoverable == 0 {
            return Err(ClientError::invalid(format!(
                "stream {stream_index} of pool {pool_address} has nothing to recover"
            )));
        }
        let base = amount_in(amount, recoverable, stream.reward_decimals, "recover")?;
        let mut instructions = Vec::new();
        let destination = match destination {
            Some(destination) => destination,
            None => {
                let (ata, create) =
                    self.ata_for(&me, &stream.reward_mint, &stream.reward_token_program)?;
                instructions.push(create);
                ata
            }
        };
        instructions.push(ix::recover_undistributed(
            &self.program_id,
            &me,
            pool_address,
            &pool,
            stream_index,
            &destination,
            base,
        )?);
        Ok(Plan {
            signers: Vec::new(),
            instructions,
            summary: format!(
                "Recover {} undistributed rewards of stream {stream_index} to {destination}",
                format_ui(base, stream.reward_decimals)
            ),
            pool: *pool_address,
            action: Action::RecoverUndistributed {
                stream: stream_index,
                amount: base,
            },
            report: None,
        })
    }

    pub async fn plan_close_position(&self, pool_address: &Pubkey) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let position = self.my_position(pool_address).await?;
        let pool = self.pool(pool_address).await?;
        let now = self.now().await?;
        // The stake a slash left, as the program will find it.
        let staked = self
            .settled(pool_address, &pool, &position, now)
            .await?
            .0
            .staked;
        check_closable(
            pool_address,
            &Position { staked, ..position },
            pool.stake_decimals,
        )?;
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::close_position(&self.program_id, pool_address, &me)],
            summary: format!("Close your position in pool {pool_address} and reclaim its rent"),
            pool: *pool_address,
            action: Action::ClosePosition {},
            report: None,
        })
    }

    pub async fn plan_register_operator(
        &self,
        pool_address: &Pubkey,
        commission_bps: u16,
        name: &str,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
        check_commission(commission_bps, &pool)?;
        check_operator_name(name)?;
        let operator = pda::operator(&self.program_id, pool_address, &me);
        if self.exists(&operator).await? {
            return Err(ClientError::invalid(format!(
                "you are already an operator of pool {pool_address}: {operator}"
            )));
        }
        let status = if pool.operator_approval_required != 0 {
            "inactive until the pool authority approves it"
        } else {
            "active"
        };
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::register_operator(
                &self.program_id,
                pool_address,
                &me,
                commission_bps,
                name.to_string(),
            )],
            summary: format!(
                "Register operator {operator} ({}) in pool {pool_address} at {} commission ({status})",
                printable(name),
                format_bps(commission_bps.into())
            ),
            pool: *pool_address,
            action: Action::OperatorRegister {
                operator: operator.to_string(),
                name: name.to_string(),
                commission_bps,
            },
            report: None,
        })
    }

    pub async fn plan_update_operator(
        &self,
        pool_address: &Pubkey,
        commission_bps: Option<u16>,
        name: Option<String>,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
        let (address, operator) = self.my_operator(pool_address).await?;
        if let Some(bps) = commission_bps {
            check_commission(bps, &pool)?;
        }
        if let Some(name) = &name {
            check_operator_name(name)?;
        }
        let now = self.now().await?;
        // The instruction first applies a scheduled increase that is due
        // (capped at the pool's maximum), then makes the requested change.
        let due = due_increase(&operator, &pool, now);
        let current = due.unwrap_or(operator.commission_bps);
        let mut change = match due {
            Some(applied) => format!(
                "; scheduled commission increase applied: {} -> {}",
                format_bps(operator.commission_bps.into()),
                format_bps(applied.into())
            ),
            None => String::new(),
        };
        change += &match commission_bps {
            Some(bps) if bps > current => format!(
                "; commission {} -> {} scheduled to apply {} from now (the pool's unbonding period)",
                format_bps(current.into()),
                format_bps(bps.into()),
                format_duration(pool.unbonding_period)
            ),
            Some(bps) => format!(
                "; commission {} -> {} now",
                format_bps(current.into()),
                format_bps(bps.into())
            ),
            None if due.is_none() && operator.has_pending_increase() => format!(
                "; the scheduled increase to {} is not due yet (applicable from {})",
                format_bps(operator.pending_commission_bps.into()),
                format_when(operator.pending_commission_at, now)
            ),
            None => String::new(),
        };
        if commission_bps.is_none() && name.is_none() && change.is_empty() {
            change = "; no change (nothing scheduled)".to_string();
        }
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::update_operator(
                &self.program_id,
                pool_address,
                &me,
                commission_bps,
                name.clone(),
            )],
            summary: format!("Update operator {address}{change}"),
            pool: *pool_address,
            action: Action::OperatorUpdate {
                operator: address.to_string(),
                commission_bps,
                name,
                applied_scheduled_commission_bps: due,
            },
            report: None,
        })
    }

    /// The pool authority approves (activates) or deactivates an operator.
    pub async fn plan_set_operator_active(
        &self,
        pool_address: &Pubkey,
        operator_address: &Pubkey,
        active: bool,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        check_pool_authority(&me, &self.pool(pool_address).await?)?;
        let operator = self.pool_operator(pool_address, operator_address).await?;
        let verb = if active { "Activate" } else { "Deactivate" };
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::set_operator_active(
                &self.program_id,
                pool_address,
                &me,
                operator_address,
                active,
            )],
            summary: format!(
                "{verb} operator {operator_address} ({})",
                printable(&operator.name())
            ),
            pool: *pool_address,
            action: if active {
                Action::OperatorActivate {
                    operator: operator_address.to_string(),
                }
            } else {
                Action::OperatorDeactivate {
                    operator: operator_address.to_string(),
                }
            },
            report: None,
        })
    }

    /// Claims the signer's commission on every stream that has some.
    pub async fn plan_claim_commission(&self, pool_address: &Pubkey) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
        let (address, operator) = self.my_operator(pool_address).await?;
        let now = self.now().await?;
        let owed = rewards::commission_owed(&pool, &operator, now)?;
        let mut instructions = Vec::new();
        let mut streams = Vec::new();
        for (index, amount) in owed.iter().enumerate() {
            if *amount == 0 {
                continue;
            }
            let stream = pool.reward_streams[index];
            instructions.push(
                self.ata_for(&me, &stream.reward_mint, &stream.reward_token_program)?
                    .1,
            );
            instructions.push(ix::claim_commission(
                &self.program_id,
                pool_address,
                &pool,
                &me,
                index as u8,
            )?);
            streams.push(index as u8);
        }
        if streams.is_empty() {
            return Err(ClientError::invalid(format!(
                "operator {address} has no commission to claim"
            )));
        }
        let due = due_increase(&operator, &pool, now);
        let applied = due
            .map(|bps| {
                format!(
                    "; applies the scheduled commission increase {} -> {}",
                    format_bps(operator.commission_bps.into()),
                    format_bps(bps.into())
                )
            })
            .unwrap_or_default();
        Ok(Plan {
            signers: Vec::new(),
            instructions,
            summary: format!(
                "Claim operator {address}'s commission from pool {pool_address}{applied}"
            ),
            pool: *pool_address,
            action: Action::OperatorClaim {
                operator: address.to_string(),
                streams,
                applied_scheduled_commission_bps: due,
            },
            report: Some(Report::Moved(PoolMints::of(&pool))),
        })
    }

    /// Delegates the signer's position to `operator_address`, or moves it
    /// there when it is delegated elsewhere.
    pub async fn plan_delegate(
        &self,
        pool_address: &Pubkey,
        operator_address: &Pubkey,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let position = self.my_position(pool_address).await?;
        let operator = self.pool_operator(pool_address, operator_address).await?;
        check_takes_stake(pool_address, operator_address, &operator)?;
        if !operator.is_active() {
            return Err(ClientError::invalid(format!(
                "operator {operator_address} ({}) is not active",
                printable(&operator.name())
            )));
        }
        let (instruction, action) = match operator_of(&position) {
            Some(current) if current == *operator_address => {
                return Err(ClientError::invalid(format!(
                    "your position is already delegated to {operator_address}"
                )))
            }
            Some(current) => {
                let pool = self.pool(pool_address).await?;
                self.check_stake_can_leave(
                    pool_address,
                    &pool,
                    &position,
                    (
                        &format!(
                            "delegate to {operator_address} (staking delegate {pool_address} {operator_address})"
                        ),
                        &format!("into your delegation to {operator_address}"),
                    ),
                )
                .await?;
                (
                    ix::redelegate(
                        &self.program_id,
                        pool_address,
                        &me,
                        &current,
                        operator_address,
                    ),
                    Action::Redelegate {
                        operator: operator_address.to_string(),
                    },
                )
            }
            None => (
                ix::delegate(&self.program_id, pool_address, &me, operator_address),
                Action::Delegate {
                    operator: operator_address.to_string(),
                },
            ),
        };
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![instruction],
            summary: format!(
                "Delegate your stake in pool {pool_address} to operator {operator_address} ({}, {} commission)",
                printable(&operator.name()),
                format_bps(operator.commission_bps.into())
            ),
            pool: *pool_address,
            action,
            report: None,
        })
    }

    pub async fn plan_undelegate(&self, pool_address: &Pubkey) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let position = self.my_position(pool_address).await?;
        let operator = operator_of(&position).ok_or_else(|| {
            ClientError::invalid(format!(
                "your position in pool {pool_address} is not delegated"
            ))
        })?;
        let pool = self.pool(pool_address).await?;
        self.check_stake_can_leave(
            pool_address,
            &pool,
            &position,
            (
                &format!("undelegate (staking undelegate {pool_address})"),
                "back into your stake, undelegated",
            ),
        )
        .await?;
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::undelegate(
                &self.program_id,
                pool_address,
                &me,
                &operator,
            )],
            summary: format!(
                "Undelegate your stake in pool {pool_address} from operator {operator}"
            ),
            pool: *pool_address,
            action: Action::Undelegate {
                operator: operator.to_string(),
            },
            report: None,
        })
    }

    /// The instructions setting `update` on a pool whose latest settings are
    /// `latest` (creating the slasher's associated token account first when
    /// it is the destination), and the settings they request; `None` when
    /// `update` asks for nothing. `stake`: the pool's stake mint and token
    /// program. Checked before sending as the program checks them.
    async fn slash_settings_instructions(
        &self,
        pool_address: &Pubkey,
        (stake_mint, token_program): (&Pubkey, &Pubkey),
        latest: SlashSettings,
        update: SlashSettingsUpdate,
    ) -> Result<Option<(Vec<Instruction>, SlashSettings)>, ClientError> {
        let me = self.me()?;
        let has_slasher = latest.slasher != Pubkey::default();
        if update.off {
            if !has_slasher {
                return Err(ClientError::invalid(format!(
                    "slashing is already off in pool {pool_address}"
                )));
            }
            let off = ix::set_slasher(&self.program_id, pool_address, &me, None, 0);
            return Ok(Some((vec![off], SlashSettings::default())));
        }
        if update == SlashSettingsUpdate::default() {
            return Ok(None);
        }
        let slasher = match update.slasher {
            Some(slasher) if slasher == Pubkey::default() => {
                return Err(ClientError::invalid(format!(
                    "--slasher {slasher} is the all-zero address, which nobody can sign for; name the key that will slash"
                )))
            }
            Some(slasher) => slasher,
            None if has_slasher => latest.slasher,
            None => {
                return Err(ClientError::invalid(format!(
                    "pool {pool_address} has no slasher: name one with --slasher"
                )))
            }
        };
        let max_slash_bps = match update.max_slash_bps {
            Some(bps) => bps,
            None if has_slasher => latest.max_slash_bps,
            None => {
                return Err(ClientError::invalid(
                    "--slasher needs --max-slash: the most one slash may take (e.g. 10%)",
                ))
            }
        };
        let mut instructions = Vec::new();
        let destination = match update.destination {
            Some(destination) => {
                let stake_vault = pda::stake_vault(&self.program_id, pool_address);
                check_slash_destination(
                    self,
                    &destination,
                    stake_mint,
                    token_program,
                    &stake_vault,
                )
                .await?;
                destination
            }
            None if has_slasher && slasher == latest.slasher => latest.destination,
            None => {
                let (ata, create) = self.ata_for(&slasher, stake_mint, token_program)?;
                instructions.push(create);
                ata
            }
        };
        instructions.push(ix::set_slasher(
            &self.program_id,
            pool_address,
            &me,
            Some((slasher, destination)),
            max_slash_bps,
        ));
        Ok(Some((
            instructions,
            SlashSettings {
                slasher,
                destination,
                max_slash_bps,
            },
        )))
    }

    /// The pool's slasher takes `bps` of what `operator_address` answers for
    /// (its delegated stake and the open tickets unstaked from it) and sends
    /// it to the pool's slash destination.
    pub async fn plan_slash(
        &self,
        pool_address: &Pubkey,
        operator_address: &Pubkey,
        bps: u16,
        reason: SlashReason,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
        let now = self.now().await?;
        let settings = pool.slash_settings_at(now);
        let pending = pool
            .pending_slash_settings()
            .filter(|(pending, at)| now < *at && pending.slasher == me)
            .map(|(_, at)| format!("; you become it {}", format_when(at, now)))
            .unwrap_or_default();
        if settings.slasher == Pubkey::default() {
            return Err(ClientError::invalid(format!(
                "slashing is off in pool {pool_address}: it has no slasher{pending}"
            )));
        }
        if settings.slasher != me {
            return Err(ClientError::invalid(format!(
                "you ({me}) are not this pool's slasher, which is {}; sign with its keypair (-k){pending}",
                settings.slasher
            )));
        }
        if bps > settings.max_slash_bps {
            return Err(ClientError::invalid(format!(
                "a slash of {} exceeds the pool's maximum slash of {}",
                format_bps(bps.into()),
                format_bps(settings.max_slash_bps.into())
            )));
        }
        let operator = self.pool_operator(pool_address, operator_address).await?;
        match self.token_account(&settings.destination).await {
            Err(ClientError::AccountNotFound { .. }) => {
                return Err(ClientError::invalid(format!(
                    "the pool's slash destination {} does not exist (closed?); its authority can set another with staking update-pool {pool_address} --slash-destination",
                    settings.destination
                )))
            }
            Err(other) => return Err(other),
            Ok(_) => {}
        }
        let taken = slashing::slash_preview(&operator, bps)?;
        let decimals = pool.stake_decimals;
        let answers_for = format!(
            "it answers for {} delegated and {} in unbond tickets now, {}",
            format_ui(operator.delegated, decimals),
            format_ui(operator.unbonding, decimals),
            if taken.from_delegated == 0 && taken.from_unbonding == 0 {
                "so this takes nothing from anyone (it is only recorded against the operator)"
                    .to_string()
            } else {
                format!(
                    "of which this takes {} and {}, sent to {}",
                    format_ui(taken.from_delegated, decimals),
                    format_ui(taken.from_unbonding, decimals),
                    settings.destination
                )
            }
        );
        let reason_text = match &reason.file {
            Some(file) => format!("{}, the SHA-256 of {file}", to_hex(&reason.bytes)),
            None => to_hex(&reason.bytes),
        };
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::slash(
                &self.program_id,
                pool_address,
                &pool,
                &me,
                operator_address,
                staking::instruction::Slash {
                    bps,
                    reason: reason.bytes,
                },
                now,
            )],
            summary: format!(
                "Slash operator {operator_address} ({}) in pool {pool_address} by {} (reason {reason_text}): {}",
                printable(&operator.name()),
                format_bps(bps.into()),
                answers_for
            ),
            pool: *pool_address,
            action: Action::Slash {
                operator: operator_address.to_string(),
                bps,
                reason: to_hex(&reason.bytes),
                reason_file: reason.file,
            },
            report: Some(Report::Slashed(PoolMints::of(&pool))),
        })
    }

    /// A position as the program would settle it at `now` (a delegated
    /// position's stake is what its shares are worth, after any slash since
    /// it last settled), with its operator and delegation when delegated.
    async fn settled(
        &self,
        pool_address: &Pubkey,
        pool: &Pool,
        position: &Position,
        now: i64,
    ) -> Result<(Position, Option<(Pubkey, Operator, Delegation)>), ClientError> {
        let address = pda::position(&self.program_id, pool_address, &position.owner);
        let delegated = self.delegation_of(&address, position).await?;
        let settled = rewards::settled_position(
            pool,
            position,
            delegated
                .as_ref()
                .map(|(_, operator, delegation)| (operator, delegation)),
            now,
        )?;
        Ok((settled.position, delegated))
    }

    /// In a pool that can slash, stake leaves its operator only through an
    /// unbond ticket (the program's `DelegatedStakeMustUnbond` for
    /// `undelegate` and `redelegate` while the position has stake): say how
    /// to move it. `then`: what to run after the unstake; `into`: where the
    /// ticket can be cancelled to once it unlocks.
    async fn check_stake_can_leave(
        &self,
        pool_address: &Pubkey,
        pool: &Pool,
        position: &Position,
        (then, into): (&str, &str),
    ) -> Result<(), ClientError> {
        if !pool.slashing_possible() {
            return Ok(());
        }
        let now = self.now().await?;
        let (settled, delegated) = self.settled(pool_address, pool, position, now).await?;
        let (Some((operator, _, _)), staked @ 1..) = (delegated, settled.staked) else {
            return Ok(());
        };
        Err(ClientError::invalid(format!(
            "pool {pool_address} can slash its operators, so your {} delegated to operator {operator} leaves it only through an unbond ticket: unstake it (staking unstake {pool_address} ALL), then {then}; the ticket stays answerable to {operator}'s slashes until it is withdrawn or cancelled, which it can be once it unlocks one unbonding period ({}) later: cancelled {into} (staking cancel-unbond {pool_address} <TICKET>) or withdrawn",
            format_ui(staked, pool.stake_decimals),
            format_duration(pool.unbonding_period)
        )))
    }
}

/// The commission a scheduled increase sets if the operator's own instruction
/// runs at `now` (capped at the pool's maximum then); `None` when none is due.
pub fn due_increase(operator: &Operator, pool: &Pool, now: i64) -> Option<u16> {
    (operator.has_pending_increase() && now >= operator.pending_commission_at)
        .then(|| operator.pending_commission_bps.min(pool.max_commission_bps))
}

/// The program's mint policy, checked before sending so the user gets one
/// line instead of a failed transaction: a mint with a close authority is
/// refused; one with a freeze or transfer-fee authority needs it accepted.
/// Returns a note for the summary naming the accepted authorities.
async fn check_mint_policy(
    client: &StakingClient,
    mint: &MintInfo,
    what: &str,
    accepted: AcceptedMintAuthorities,
) -> Result<String, ClientError> {
    if let Some(close) = mint.close_authority {
        return Err(ClientError::invalid(format!(
            "{what} mint {} has a close authority ({close}); the program refuses such mints (MintHasCloseAuthority)",
            mint.address
        )));
    }
    // A fee scheduled before the fee authority was given up can still rise.
    if let (None, Some(epoch)) = (mint.transfer_fee_authority, mint.transfer_fee_change_epoch) {
        if epoch > client.epoch().await? && !accepted.transfer_fee {
            return Err(ClientError::invalid(format!(
                "{what} mint {} has a different transfer fee scheduled from epoch {epoch} that could take up to 100% of withdrawals; pass --accept-transfer-fee-authority to accept it",
                mint.address
            )));
        }
    }
    let authorities = [
        (
            mint.freeze_authority,
            accepted.freeze,
            "freeze",
            "could freeze the vault",
        ),
        (
            mint.transfer_fee_authority,
            accepted.transfer_fee,
            "transfer-fee",
            "could raise the fee on withdrawals up to 100%",
        ),
    ];
    let mut note = String::new();
    for (authority, accepted, kind, power) in authorities {
        match authority {
            Some(key) if !accepted => {
                return Err(ClientError::invalid(format!(
                    "{what} mint {} has a {kind} authority ({key}) that {power}; pass --accept-{kind}-authority to accept it",
                    mint.address
                )))
            }
            Some(key) => note += &format!("; accepting the mint's {kind} authority {key} (it {power})"),
            None => {}
        }
    }
    Ok(note)
}

/// A slash destination must be a token account of the stake mint other than
/// the stake vault (the program's `InvalidSlashDestination`).
async fn check_slash_destination(
    client: &StakingClient,
    destination: &Pubkey,
    stake_mint: &Pubkey,
    token_program: &Pubkey,
    stake_vault: &Pubkey,
) -> Result<(), ClientError> {
    if destination == stake_vault {
        return Err(ClientError::invalid(format!(
            "slash destination {destination} is the pool's stake vault: slashed stake must leave it"
        )));
    }
    let account = match client.token_account(destination).await {
        Err(ClientError::AccountNotFound { .. }) => {
            return Err(ClientError::invalid(format!(
                "slash destination {destination} does not exist: pass a token account of stake mint {stake_mint}, or leave out --slash-destination for the slasher's associated token account"
            )))
        }
        other => other?,
    };
    if account.mint != *stake_mint || account.token_program != *token_program {
        return Err(ClientError::invalid(format!(
            "slash destination {destination} is a token account of mint {}, not of the stake mint {stake_mint}",
            account.mint
        )));
    }
    Ok(())
}

/// In a pool that can slash, a ticket unstaked from an operator stays
/// answerable to it until it unlocks, and may return to stake before then
/// only under that operator (the program's `TicketStillAnswerable`).
fn check_ticket_may_return(
    pool_address: &Pubkey,
    pool: &Pool,
    address: &Pubkey,
    ticket: &UnbondTicket,
    delegated_to: Option<Pubkey>,
    now: i64,
) -> Result<(), ClientError> {
    let Some(from) = ix::ticket_operator(ticket) else {
        return Ok(());
    };
    if !pool.slashing_possible() || now >= ticket.unlock_at || delegated_to == Some(from) {
        return Ok(());
    }
    let now_delegated = match delegated_to {
        Some(operator) => format!("delegated to operator {operator}"),
        None => "not delegated".to_string(),
    };
    Err(ClientError::invalid(format!(
        "ticket {address} was unstaked from operator {from}: until it unlocks {} it can return only to stake delegated to that operator, whose slashes it answers for, and your position is {now_delegated}; cancel it once it unlocks, or withdraw it then (staking withdraw {pool_address} {address} --wait)",
        format_when(ticket.unlock_at, now)
    )))
}

/// What slashes took from a ticket, for a summary: `ticket <T>: 50 unstaked,
/// 50 taken by slashes of operator <OP>: you receive 0` (`pays`: what the
/// last words say); `None` when no slash reduced it. `operator`: the one it
/// was unstaked from.
fn slashed_ticket_note(
    address: &Pubkey,
    ticket: &UnbondTicket,
    operator: Option<&Operator>,
    decimals: u8,
    pays: &str,
) -> Result<Option<String>, ClientError> {
    let value = slashing::ticket_value(ticket, operator)?;
    let Some(from) = ix::ticket_operator(ticket).filter(|_| value < ticket.amount) else {
        return Ok(None);
    };
    Ok(Some(format!(
        "ticket {address}: {} unstaked, {} taken by slashes of operator {from}: {pays} {}",
        format_ui(ticket.amount, decimals),
        format_ui(ticket.amount - value, decimals),
        format_ui(value, decimals)
    )))
}

/// `1 unbond ticket`, `2 unbond tickets`.
fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// An operator slashed 100% takes no stake (the program's
/// `OperatorSlashedOut`): say so, and how to stake elsewhere.
fn check_takes_stake(
    pool_address: &Pubkey,
    operator_address: &Pubkey,
    operator: &Operator,
) -> Result<(), ClientError> {
    if !operator.is_slashed_out() {
        return Ok(());
    }
    Err(ClientError::invalid(format!(
        "operator {operator_address} was slashed 100% and takes no more stake; stake elsewhere: staking undelegate {pool_address} (your position there holds nothing)"
    )))
}

/// The program refuses an authority instruction from anyone else with
/// `NotPoolAuthority`; checked before sending so the error names who the
/// authority is.
fn check_pool_authority(me: &Pubkey, pool: &Pool) -> Result<(), ClientError> {
    if pool.authority != *me {
        return Err(ClientError::invalid(format!(
            "you ({me}) are not this pool's authority, which is {}; sign with its keypair (-k)",
            pool.authority
        )));
    }
    Ok(())
}

/// A ticket named on the command line must be the signer's, in this pool
/// (else the program's `NotTicketOwner` / `PoolMismatch`, which name no one).
fn check_ticket(
    me: &Pubkey,
    pool_address: &Pubkey,
    address: &Pubkey,
    ticket: &UnbondTicket,
) -> Result<(), ClientError> {
    if ticket.owner != *me {
        return Err(ClientError::invalid(format!(
            "ticket {address} belongs to {}, not to you ({me})",
            ticket.owner
        )));
    }
    if ticket.pool != *pool_address {
        return Err(ClientError::invalid(format!(
            "ticket {address} is in pool {}, not in pool {pool_address}",
            ticket.pool
        )));
    }
    Ok(())
}

/// `authority` has no operator in the pool (`you (<ME>)` when it is the signer).
pub fn no_operator(authority: &Pubkey, pool_address: &Pubkey, is_me: bool) -> ClientError {
    if is_me {
        ClientError::invalid(format!(
            "you ({authority}) have no operator in pool {pool_address}; register one with staking operator register"
        ))
    } else {
        ClientError::invalid(format!(
            "{authority} has no operator in pool {pool_address}"
        ))
    }
}

/// A position can be closed only when empty and undelegated (the program's
/// `PositionDelegated` / `PositionNotEmpty`): say what is left and what to
/// do about it, in the order to do it.
fn check_closable(
    pool_address: &Pubkey,
    position: &Position,
    stake_decimals: u8,
) -> Result<(), ClientError> {
    let mut left = Vec::new();
    let mut steps = Vec::new();
    if position.staked > 0 {
        left.push(format!(
            "{} staked",
            format_ui(position.staked, stake_decimals)
        ));
        steps.push(format!("unstake ALL (staking unstake {pool_address} ALL)"));
    }
    if position.open_tickets > 0 {
        let tickets = position.open_tickets;
        left.push(format!(
            "{tickets} open unbond ticket{}",
            if tickets == 1 { "" } else { "s" }
        ));
        steps.push(format!(
            "withdraw or cancel its tickets (staking withdraw {pool_address} --wait)"
        ));
    }
    if position.has_owed_rewards() {
        left.push("unclaimed rewards".to_string());
        steps.push(format!("claim (staking claim {pool_address})"));
    }
    if position.is_delegated() {
        left.push(format!("a delegation to operator {}", position.operator));
        steps.push(format!("undelegate (staking undelegate {pool_address})"));
    }
    if left.is_empty() {
        return Ok(());
    }
    Err(ClientError::invalid(format!(
        "your position in pool {pool_address} still has {}: {} first",
        join_and(&left),
        join_and(&steps)
    )))
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn check_commission(bps: u16, pool: &Pool) -> Result<(), ClientError> {
    if bps > pool.max_commission_bps {
        return Err(ClientError::invalid(format!(
            "commission {} is above the pool's maximum of {}",
            format_bps(bps.into()),
            format_bps(pool.max_commission_bps.into())
        )));
    }
    Ok(())
}

fn check_operator_name(name: &str) -> Result<(), ClientError> {
    if name.trim().is_empty() {
        return Err(ClientError::invalid(
            "operator name is empty; delegators choose operators by name",
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(ClientError::invalid(format!(
            "operator name contains the control character {c:?}; use printable text"
        )));
    }
    // They would make the name read differently on screen from what it is.
    if let Some(c) = name.chars().find(|&c| is_bidi_control(c)) {
        return Err(ClientError::invalid(format!(
            "operator name contains the bidirectional control character {c:?}; use printable text"
        )));
    }
    if name.len() > staking::constants::MAX_OPERATOR_NAME_LEN {
        return Err(ClientError::invalid(format!(
            "operator name is {} bytes; at most {} fit",
            name.len(),
            staking::constants::MAX_OPERATOR_NAME_LEN
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_a_position_says_what_to_do_first() {
        use bytemuck::Zeroable;
        let pool = Pubkey::new_unique();
        let empty = Position::zeroed();
        assert!(check_closable(&pool, &empty, 6).is_ok());
        let mut full = Position {
            staked: 5_000_000,
            open_tickets: 2,
            operator: Pubkey::new_unique(),
            ..Position::zeroed()
        };
        full.rewards[0].owed = 1;
        assert_eq!(
            check_closable(&pool, &full, 6).unwrap_err().to_string(),
            format!(
                "your position in pool {pool} still has 5 staked, 2 open unbond tickets, unclaimed rewards and a delegation to operator {}: unstake ALL (staking unstake {pool} ALL), withdraw or cancel its tickets (staking withdraw {pool} --wait), claim (staking claim {pool}) and undelegate (staking undelegate {pool}) first",
                full.operator
            )
        );
        let one_ticket = Position {
            open_tickets: 1,
            ..Position::zeroed()
        };
        assert_eq!(
            check_closable(&pool, &one_ticket, 6).unwrap_err().to_string(),
            format!("your position in pool {pool} still has 1 open unbond ticket: withdraw or cancel its tickets (staking withdraw {pool} --wait) first")
        );
    }

    #[test]
    fn slashes_are_named_where_they_take_or_refuse_stake() {
        use bytemuck::Zeroable;
        use staking::state::Delegation;
        let pool = Pubkey::new_unique();
        let operator_address = Pubkey::new_unique();
        let mut operator = Operator::zeroed();
        operator.init_slashing();
        let mut delegation = Delegation::zeroed();
        operator
            .add_returning(&mut delegation, 200_000_000)
            .unwrap();
        let mut ticket = UnbondTicket {
            amount: 100_000_000,
            operator: operator_address,
            ..UnbondTicket::zeroed()
        };
        operator
            .begin_unbonding(&mut delegation, 100_000_000, &mut ticket)
            .unwrap();
        let address = Pubkey::new_unique();
        let note = |operator: &Operator| {
            slashed_ticket_note(&address, &ticket, Some(operator), 6, "you receive").unwrap()
        };
        assert_eq!(note(&operator), None, "not slashed");
        assert!(check_takes_stake(&pool, &operator_address, &operator).is_ok());
        operator.slash(5_000, 1).unwrap();
        assert_eq!(
            note(&operator).unwrap(),
            format!("ticket {address}: 100 unstaked, 50 taken by slashes of operator {operator_address}: you receive 50")
        );
        assert!(check_takes_stake(&pool, &operator_address, &operator).is_ok());
        operator.slash(10_000, 2).unwrap();
        assert_eq!(
            note(&operator).unwrap(),
            format!("ticket {address}: 100 unstaked, 100 taken by slashes of operator {operator_address}: you receive 0")
        );
        assert_eq!(
            check_takes_stake(&pool, &operator_address, &operator)
                .unwrap_err()
                .to_string(),
            format!("operator {operator_address} was slashed 100% and takes no more stake; stake elsewhere: staking undelegate {pool} (your position there holds nothing)")
        );
        assert_eq!(
            plural(1, "unbond ticket", "unbond tickets"),
            "1 unbond ticket"
        );
        assert_eq!(
            plural(3, "unbond ticket", "unbond tickets"),
            "3 unbond tickets"
        );
    }

    #[test]
    fn operator_names_that_would_mislead_are_refused() {
        assert!(check_operator_name("node-1").is_ok());
        assert!(check_operator_name("nœud ☀").is_ok());
        for (name, shown) in [
            ("evil\u{202E}1-edon", "'\\u{202e}'"),
            ("a\u{2066}b", "'\\u{2066}'"),
            ("a\u{202A}b", "'\\u{202a}'"),
            ("a\u{2069}", "'\\u{2069}'"),
        ] {
            assert_eq!(
                check_operator_name(name).unwrap_err().to_string(),
                format!("operator name contains the bidirectional control character {shown}; use printable text")
            );
        }
        assert!(check_operator_name("a\u{7}")
            .unwrap_err()
            .to_string()
            .contains("control character '\\u{7}'"));
    }
}
