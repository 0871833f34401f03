//! Read-only views of pools and positions, in the shape `--output json`
//! prints (documented in the README). Token amounts are strings in UI units
//! with the base-unit integer beside them.
use anchor_lang::prelude::Pubkey;
use serde::Serialize;
use staking::constants::NO_STAKE_CAP;
use staking::state::{Pool, Position, UnbondTicket};

use crate::amount::{format_duration, format_ui};
use crate::error::ClientError;
use crate::{pda, rewards, StakingClient};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TokenAmount {
    pub ui: String,
    pub base_units: u64,
}

impl TokenAmount {
    pub fn new(base_units: u64, decimals: u8) -> Self {
        TokenAmount {
            ui: format_ui(base_units, decimals),
            base_units,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StreamView {
    pub index: u8,
    pub reward_mint: String,
    pub reward_vault: String,
    /// Reward tokens emitted per second (UI units, rounded down).
    pub rate_per_second: TokenAmount,
    pub period_end: i64,
    pub total_funded: TokenAmount,
    pub total_claimed: TokenAmount,
}

#[derive(Debug, Clone, Serialize)]
pub struct PoolView {
    pub address: String,
    pub pool_id: u64,
    pub stake_mint: String,
    pub authority: String,
    pub pending_authority: Option<String>,
    pub total_staked: TokenAmount,
    pub total_unbonding: TokenAmount,
    pub unbonding_period: u64,
    pub min_stake: TokenAmount,
    pub max_total_stake: Option<TokenAmount>,
    pub paused: bool,
    pub streams: Vec<StreamView>,
}

impl PoolView {
    pub fn new(address: &Pubkey, pool: &Pool) -> Self {
        let d = pool.stake_decimals;
        PoolView {
            address: address.to_string(),
            pool_id: pool.pool_id,
            stake_mint: pool.stake_mint.to_string(),
            authority: pool.authority.to_string(),
            pending_authority: pool.pending_authority().map(|a| a.to_string()),
            total_staked: TokenAmount::new(pool.total_staked, d),
            total_unbonding: TokenAmount::new(pool.total_unbonding, d),
            unbonding_period: pool.unbonding_period,
            min_stake: TokenAmount::new(pool.min_stake, d),
            max_total_stake: (pool.max_total_stake != NO_STAKE_CAP)
                .then(|| TokenAmount::new(pool.max_total_stake, d)),
            paused: pool.is_paused(),
            streams: pool
                .streams()
                .iter()
                .enumerate()
                .map(|(index, s)| StreamView {
                    index: index as u8,
                    reward_mint: s.reward_mint.to_string(),
                    reward_vault: s.reward_vault.to_string(),
                    rate_per_second: TokenAmount::new(
                        u64::try_from(s.rate_q.get() >> 64).unwrap_or(u64::MAX),
                        s.reward_decimals,
                    ),
                    period_end: s.period_end,
                    total_funded: TokenAmount::new(s.total_funded, s.reward_decimals),
                    total_claimed: TokenAmount::new(s.total_claimed, s.reward_decimals),
                })
                .collect(),
        }
    }

    pub fn display(&self) -> String {
        let mut out = format!(
            "Pool {}\n  stake mint:       {}\n  pool id:          {}\n  authority:        {}{}\n  total staked:     {}\n  total unbonding:  {}\n  unbonding period: {}\n  minimum stake:    {}\n  stake cap:        {}\n  paused:           {}\n",
            self.address,
            self.stake_mint,
            self.pool_id,
            self.authority,
            self.pending_authority.as_ref().map(|p| format!(" (pending: {p})")).unwrap_or_default(),
            self.total_staked.ui,
            self.total_unbonding.ui,
            format_duration(self.unbonding_period),
            self.min_stake.ui,
            self.max_total_stake.as_ref().map(|c| c.ui.clone()).unwrap_or_else(|| "none".into()),
            self.paused,
        );
        for s in &self.streams {
            out += &format!(
                "  stream {}: mint {} rate {}/s until {} funded {} claimed {}\n",
                s.index,
                s.reward_mint,
                s.rate_per_second.ui,
                s.period_end,
                s.total_funded.ui,
                s.total_claimed.ui
            );
        }
        out
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TicketView {
    pub address: String,
    pub pool: String,
    pub amount: TokenAmount,
    pub unlock_at: i64,
    /// Seconds until it can be withdrawn (0 when unlocked).
    pub seconds_left: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PendingReward {
    pub stream: u8,
    pub reward_mint: String,
    pub amount: TokenAmount,
}

#[derive(Debug, Clone, Serialize)]
pub struct PositionView {
    pub address: String,
    pub pool: String,
    pub owner: String,
    pub staked: TokenAmount,
    /// What a claim now would pay, per stream.
    pub pending_rewards: Vec<PendingReward>,
    pub tickets: Vec<TicketView>,
}

impl PositionView {
    pub fn new(
        program_id: &Pubkey,
        pool_address: &Pubkey,
        pool: &Pool,
        position: &Position,
        tickets: &[(Pubkey, UnbondTicket)],
        now: i64,
    ) -> Result<Self, ClientError> {
        let pending = rewards::pending_rewards(pool, position, now)?;
        Ok(PositionView {
            address: pda::position(program_id, pool_address, &position.owner).to_string(),
            pool: pool_address.to_string(),
            owner: position.owner.to_string(),
            staked: TokenAmount::new(position.staked, pool.stake_decimals),
            pending_rewards: pool
                .streams()
                .iter()
                .zip(pending)
                .enumerate()
                .map(|(i, (stream, amount))| PendingReward {
                    stream: i as u8,
                    reward_mint: stream.reward_mint.to_string(),
                    amount: TokenAmount::new(amount, stream.reward_decimals),
                })
                .collect(),
            tickets: tickets
                .iter()
                .filter(|(_, t)| t.pool == *pool_address)
                .map(|(address, t)| TicketView {
                    address: address.to_string(),
                    pool: t.pool.to_string(),
                    amount: TokenAmount::new(t.amount, pool.stake_decimals),
                    unlock_at: t.unlock_at,
                    seconds_left: t.unlock_at.saturating_sub(now).max(0) as u64,
                })
                .collect(),
        })
    }

    pub fn display(&self) -> String {
        let mut out = format!(
            "Position {} in pool {}\n  owner:  {}\n  staked: {}\n",
            self.address, self.pool, self.owner, self.staked.ui
        );
        for reward in &self.pending_rewards {
            out += &format!(
                "  pending stream {} ({}): {}\n",
                reward.stream, reward.reward_mint, reward.amount.ui
            );
        }
        for ticket in &self.tickets {
            let state = if ticket.seconds_left == 0 {
                "unlocked".to_string()
            } else {
                format!("unlocks in {}", format_duration(ticket.seconds_left))
            };
            out += &format!(
                "  ticket {}: {} ({state})\n",
                ticket.address, ticket.amount.ui
            );
        }
        out
    }
}

impl StakingClient {
    pub async fn pool_view(&self, address: &Pubkey) -> Result<PoolView, ClientError> {
        Ok(PoolView::new(address, &self.pool(address).await?))
    }

    /// A position with its pending rewards and tickets; `None` if there is none.
    pub async fn position_view(
        &self,
        pool_address: &Pubkey,
        owner: &Pubkey,
    ) -> Result<Option<PositionView>, ClientError> {
        let pool = self.pool(pool_address).await?;
        let Some(position) = self.position(pool_address, owner).await? else {
            return Ok(None);
        };
        let tickets = self.tickets(owner, Some(pool_address)).await?;
        let now = self.now().await?;
        PositionView::new(
            &self.program_id,
            pool_address,
            &pool,
            &position,
            &tickets,
            now,
        )
        .map(Some)
    }

    /// Every position of an owner, across pools.
    pub async fn position_views(&self, owner: &Pubkey) -> Result<Vec<PositionView>, ClientError> {
        let positions = self.positions(owner).await?;
        let tickets = self.tickets(owner, None).await?;
        let now = self.now().await?;
        let mut views = Vec::with_capacity(positions.len());
        for (_, position) in positions {
            let pool = self.pool(&position.pool).await?;
            views.push(PositionView::new(
                &self.program_id,
                &position.pool,
                &pool,
                &position,
                &tickets,
                now,
            )?);
        }
        Ok(views)
    }
}
