//! User-level operations: resolve what a user typed (UI amounts, `ALL`, token
//! accounts) against the chain and return the instructions to send, with a
//! summary for people and the same facts for `--output json`.
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent;
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;
use staking::instructions::{InitializePoolParams, UpdatePoolParams};

use crate::accounts::reward_stream;
use crate::amount::{format_duration, format_ui, AmountArg, UiAmount};
use crate::error::ClientError;
use crate::{instructions as ix, pda, rewards, StakingClient};

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
    pub details: Value,
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

impl StakingClient {
    /// The signer's address: the owner or authority of every operation.
    pub fn me(&self) -> Result<Pubkey, ClientError> {
        Ok(self.signer()?.pubkey())
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

    pub async fn plan_create_pool(
        &self,
        stake_mint: &Pubkey,
        pool_id: u64,
        unbonding_period: u64,
        min_stake: Option<UiAmount>,
        max_total_stake: Option<UiAmount>,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let mint = self.mint(stake_mint).await?;
        let pool = pda::pool(&self.program_id, stake_mint, pool_id);
        if self.exists(&pool).await? {
            return Err(ClientError::invalid(format!(
                "pool {pool} (mint {stake_mint}, id {pool_id}) already exists"
            )));
        }
        let params = InitializePoolParams {
            pool_id,
            unbonding_period,
            min_stake: min_stake
                .map(|m| m.to_base_units(mint.decimals))
                .transpose()?
                .unwrap_or(0),
            max_total_stake: max_total_stake
                .map(|m| m.to_base_units(mint.decimals))
                .transpose()?,
        };
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::initialize_pool(
                &self.program_id,
                &me,
                stake_mint,
                &mint.token_program,
                params,
            )],
            summary: format!(
                "Create pool {pool} for mint {stake_mint} (id {pool_id}, unbonding {})",
                format_duration(unbonding_period)
            ),
            details: json!({"action": "create-pool", "pool": pool.to_string(), "stake_mint": stake_mint.to_string(), "pool_id": pool_id}),
        })
    }

    pub async fn plan_add_reward_stream(
        &self,
        pool_address: &Pubkey,
        reward_mint: &Pubkey,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
        let mint = self.mint(reward_mint).await?;
        let index = pool.reward_stream_count;
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::add_reward_stream(
                &self.program_id,
                &me,
                pool_address,
                reward_mint,
                &mint.token_program,
            )],
            summary: format!(
                "Add reward stream {index} paying {reward_mint} to pool {pool_address}"
            ),
            details: json!({"action": "add-reward-stream", "pool": pool_address.to_string(), "stream": index, "reward_mint": reward_mint.to_string()}),
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
        let stream = reward_stream(pool_address, &pool, stream_index)?;
        let base = amount.to_base_units(stream.reward_decimals)?;
        let source = pda::token_account(&me, &stream.reward_mint, &stream.reward_token_program);
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
            details: json!({"action": "fund", "pool": pool_address.to_string(), "stream": stream_index, "amount": base, "duration": duration}),
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
        if self.position(pool_address, &me).await?.is_none() {
            instructions.push(ix::open_position(&self.program_id, pool_address, &me));
        }
        instructions.push(ix::stake(
            &self.program_id,
            pool_address,
            &pool,
            &me,
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
            details: json!({"action": "stake", "pool": pool_address.to_string(), "amount": base}),
        })
    }

    pub async fn plan_unstake(
        &self,
        pool_address: &Pubkey,
        amount: AmountArg,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
        let position = self.position(pool_address, &me).await?.ok_or_else(|| {
            ClientError::invalid(format!("you have no position in pool {pool_address}"))
        })?;
        let base = amount_in(
            amount,
            position.staked,
            pool.stake_decimals,
            "unstake: nothing is staked",
        )?;
        if base > position.staked {
            return Err(ClientError::invalid(format!(
                "cannot unstake {}: the position has {} staked",
                format_ui(base, pool.stake_decimals),
                format_ui(position.staked, pool.stake_decimals)
            )));
        }
        let ticket_keypair = Arc::new(Keypair::new());
        let ticket = ticket_keypair.pubkey();
        Ok(Plan {
            signers: vec![ticket_keypair],
            instructions: vec![ix::unstake(
                &self.program_id,
                pool_address,
                &me,
                &ticket,
                base,
            )],
            summary: format!(
                "Unstake {} from pool {pool_address} into ticket {ticket} (unlocks in {})",
                format_ui(base, pool.stake_decimals),
                format_duration(pool.unbonding_period)
            ),
            details: json!({"action": "unstake", "pool": pool_address.to_string(), "amount": base, "ticket": ticket.to_string()}),
        })
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
        let tickets: Vec<Pubkey> = match ticket {
            Some(ticket) => vec![ticket],
            None => self
                .tickets(&me, Some(pool_address))
                .await?
                .into_iter()
                .filter(|(_, t)| t.unlock_at <= now)
                .map(|(address, _)| address)
                .take(MAX_WITHDRAWALS_PER_TX)
                .collect(),
        };
        if tickets.is_empty() {
            return Err(ClientError::invalid(format!(
                "no unlocked unbond ticket in pool {pool_address}"
            )));
        }
        let (destination, create) =
            self.ata_for(&me, &pool.stake_mint, &pool.stake_token_program)?;
        let mut instructions = vec![create];
        instructions.extend(
            tickets
                .iter()
                .map(|t| ix::withdraw(&self.program_id, pool_address, &pool, &me, t, &destination)),
        );
        Ok(Plan {
            signers: Vec::new(),
            instructions,
            summary: format!(
                "Withdraw {} unbond ticket(s) from pool {pool_address} to {destination}",
                tickets.len()
            ),
            details: json!({"action": "withdraw", "pool": pool_address.to_string(), "tickets": tickets.iter().map(|t| t.to_string()).collect::<Vec<_>>()}),
        })
    }

    pub async fn plan_cancel_unbond(
        &self,
        pool_address: &Pubkey,
        ticket: &Pubkey,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::cancel_unbond(
                &self.program_id,
                pool_address,
                &me,
                ticket,
            )],
            summary: format!("Return unbond ticket {ticket} to stake in pool {pool_address}"),
            details: json!({"action": "cancel-unbond", "pool": pool_address.to_string(), "ticket": ticket.to_string()}),
        })
    }

    pub async fn plan_claim(
        &self,
        pool_address: &Pubkey,
        stream_index: Option<u8>,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
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
            stream_index,
        )?);
        Ok(Plan {
            signers: Vec::new(),
            instructions,
            summary: format!("Claim rewards from pool {pool_address}"),
            details: json!({"action": "claim", "pool": pool_address.to_string(), "streams": streams}),
        })
    }

    pub async fn plan_compound(
        &self,
        pool_address: &Pubkey,
        stream_index: u8,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::compound(
                &self.program_id,
                pool_address,
                &pool,
                &me,
                stream_index,
            )?],
            summary: format!(
                "Compound stream {stream_index} rewards into stake in pool {pool_address}"
            ),
            details: json!({"action": "compound", "pool": pool_address.to_string(), "stream": stream_index}),
        })
    }

    pub async fn plan_update_pool(
        &self,
        pool_address: &Pubkey,
        unbonding_period: Option<u64>,
        min_stake: Option<UiAmount>,
        max_total_stake: Option<Option<UiAmount>>,
        paused: Option<bool>,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        let pool = self.pool(pool_address).await?;
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
        };
        if params == UpdatePoolParams::default() {
            return Err(ClientError::invalid(
                "nothing to update: pass at least one setting",
            ));
        }
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::update_pool(
                &self.program_id,
                &me,
                pool_address,
                params.clone(),
            )],
            summary: format!("Update pool {pool_address}"),
            details: json!({"action": "update-pool", "pool": pool_address.to_string(), "unbonding_period": params.unbonding_period,
                "min_stake": params.min_stake, "max_total_stake": params.max_total_stake, "paused": params.paused}),
        })
    }

    pub async fn plan_transfer_authority(
        &self,
        pool_address: &Pubkey,
        new_authority: &Pubkey,
    ) -> Result<Plan, ClientError> {
        let me = self.me()?;
        self.pool(pool_address).await?;
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
            details: json!({"action": "transfer-authority", "pool": pool_address.to_string(), "new_authority": new_authority.to_string()}),
        })
    }

    pub async fn plan_accept_authority(&self, pool_address: &Pubkey) -> Result<Plan, ClientError> {
        let me = self.me()?;
        self.pool(pool_address).await?;
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::accept_authority(&self.program_id, &me, pool_address)],
            summary: format!("Accept authority of pool {pool_address}"),
            details: json!({"action": "accept-authority", "pool": pool_address.to_string()}),
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
        let stream = reward_stream(pool_address, &pool, stream_index)?;
        let vault_balance = self.token_balance(&stream.reward_vault).await?;
        let now = self.now().await?;
        let recoverable = rewards::recoverable(&pool, stream_index as usize, vault_balance, now)?;
        let base = amount_in(
            amount,
            recoverable,
            stream.reward_decimals,
            "recover: nothing is recoverable",
        )?;
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
            details: json!({"action": "recover-undistributed", "pool": pool_address.to_string(), "stream": stream_index, "amount": base}),
        })
    }

    pub async fn plan_close_position(&self, pool_address: &Pubkey) -> Result<Plan, ClientError> {
        let me = self.me()?;
        Ok(Plan {
            signers: Vec::new(),
            instructions: vec![ix::close_position(&self.program_id, pool_address, &me)],
            summary: format!("Close your position in pool {pool_address} and reclaim its rent"),
            details: json!({"action": "close-position", "pool": pool_address.to_string()}),
        })
    }
}
