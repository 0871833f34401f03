use anchor_lang::prelude::*;

use crate::constants::{MAX_REWARD_STREAMS, NO_STAKE_CAP};
use crate::errors::StakingError;
use crate::math::StreamCurve;
use crate::state::{ReleasedTicket, StoredQ64};
use crate::token::PoolSigner;

/// A staking pool for one stake mint.
/// PDA: `["pool", stake_mint, creator, pool_id (u64 LE)]`: the creator is in the
/// seeds so that nobody can take "this team's pool for this mint" first.
///
/// Clients filter with `memcmp`: the stake mint is at byte 8, the authority at
/// byte 40, the creator at byte 168.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Pool {
    pub stake_mint: Pubkey,
    pub authority: Pubkey,
    /// PDA token account `["stake_vault", pool]`, owned by the pool.
    pub stake_vault: Pubkey,
    /// The stake mint's owner: SPL Token or Token-2022.
    pub stake_token_program: Pubkey,
    /// Set by `transfer_authority`, cleared by `accept_authority`;
    /// `Pubkey::default()` when no transfer is pending.
    pub pending_authority: Pubkey,
    /// Who created the pool (a PDA seed; the authority may change, this never does).
    pub creator: Pubkey,
    pub pool_id: u64,
    /// Stake earning rewards.
    pub total_staked: u64,
    /// Stake in pending unbond tickets (earns nothing, still in the stake vault).
    pub total_unbonding: u64,
    /// Seconds a new unbond ticket stays locked.
    pub unbonding_period: u64,
    /// Smallest non-zero stake a position may hold.
    pub min_stake: u64,
    /// Cap on `total_staked`; `u64::MAX` means none.
    pub max_total_stake: u64,
    /// 1 while paused (no stake, compound or cancel), else 0.
    pub paused: u8,
    pub bump: u8,
    pub stake_vault_bump: u8,
    pub stake_decimals: u8,
    pub reward_stream_count: u8,
    /// 1 when new operators start inactive until the authority approves them.
    pub operator_approval_required: u8,
    /// Highest commission an operator may set, basis points.
    pub max_commission_bps: u16,
    /// Largest share of `total_staked` one operator may hold, basis points
    /// (`NO_SHARE_CAP` = 10,000: no cap).
    pub max_operator_share_bps: u16,
    /// 1 when the creator accepted a stake mint with a freeze authority (a
    /// trust assumption: that authority can freeze the stake vault).
    pub stake_freeze_authority_accepted: u8,
    /// 1 when the creator accepted a Token-2022 stake mint whose transfer fee
    /// can change (a fee authority or a scheduled fee; a trust assumption: the
    /// fee on withdrawals can rise).
    pub stake_transfer_fee_authority_accepted: u8,
    pub padding: [u8; 4],
    pub reward_streams: [RewardStream; MAX_REWARD_STREAMS],
    /// Who may slash operators (`Pubkey::default()`: nobody, slashing off).
    pub slasher: Pubkey,
    /// Token account of the stake mint that slashed stake is sent to.
    pub slash_destination: Pubkey,
    /// Settings that take effect at `pending_slash_settings_at`: a new slasher
    /// or a higher maximum waits two unbonding periods, so delegators can leave.
    pub pending_slasher: Pubkey,
    pub pending_slash_destination: Pubkey,
    /// 0 when nothing is pending.
    pub pending_slash_settings_at: i64,
    /// Stake-vault tokens owed to no one: what rounding left with an
    /// operator's last open ticket after slashes. Sent with the next slash.
    pub slash_dust: u64,
    /// The most one slash may take, basis points (0 with no slasher).
    pub max_slash_bps: u16,
    pub pending_max_slash_bps: u16,
    pub padding_end: [u8; 4],
}

/// Who may slash, where slashed stake goes and how much one slash may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SlashSettings {
    pub slasher: Pubkey,
    pub destination: Pubkey,
    pub max_slash_bps: u16,
}

/// One reward emission schedule, held inline in its pool.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RewardStream {
    pub reward_mint: Pubkey,
    /// PDA token account `["reward_vault", pool, reward_mint]`, owned by the pool.
    pub reward_vault: Pubkey,
    pub reward_token_program: Pubkey,
    /// Reward base units per second, Q64.64 (see `math`).
    pub rate_q: StoredQ64,
    /// Rewards per staked base unit, Q64.64.
    pub reward_per_token_q: StoredQ64,
    /// Emitted to stakers and not yet paid, Q64.64.
    pub unclaimed_q: StoredQ64,
    pub period_end: i64,
    pub last_update: i64,
    /// Base units the vault received through `fund_rewards`.
    pub total_funded: u64,
    /// Base units paid to stakers (claims and compounds).
    pub total_claimed: u64,
    /// See [`StreamCurve::distribution_remainder_q`].
    pub distribution_remainder_q: u64,
    pub reward_decimals: u8,
    pub vault_bump: u8,
    /// 1 when the authority accepted a reward mint with a freeze authority.
    pub freeze_authority_accepted: u8,
    /// 1 when the authority accepted a reward mint whose transfer fee can change.
    pub transfer_fee_authority_accepted: u8,
    pub padding: [u8; 4],
}

impl RewardStream {
    pub fn curve(&self) -> StreamCurve {
        StreamCurve {
            rate_q: self.rate_q.get(),
            reward_per_token_q: self.reward_per_token_q.get(),
            unclaimed_q: self.unclaimed_q.get(),
            period_end: self.period_end,
            last_update: self.last_update,
            distribution_remainder_q: self.distribution_remainder_q,
        }
    }

    pub fn set_curve(&mut self, curve: &StreamCurve) {
        self.rate_q.set(curve.rate_q);
        self.reward_per_token_q.set(curve.reward_per_token_q);
        self.unclaimed_q.set(curve.unclaimed_q);
        self.period_end = curve.period_end;
        self.last_update = curve.last_update;
        self.distribution_remainder_q = curve.distribution_remainder_q;
    }

    /// Brings this stream's accumulator to `now`.
    pub fn accrue(&mut self, now: i64, total_staked: u64) -> Result<()> {
        let mut curve = self.curve();
        curve.accrue(now, total_staked)?;
        self.set_curve(&curve);
        Ok(())
    }

    /// Gives up a closed position's fraction of a unit: it leaves the liability
    /// and becomes recoverable by the authority.
    pub fn forfeit_q(&mut self, fraction_q: u128) -> Result<()> {
        // Only the liability changes: no need for the whole curve's round trip.
        let unclaimed = self
            .unclaimed_q
            .get()
            .checked_sub(fraction_q)
            .ok_or(StakingError::MathOverflow)?;
        self.unclaimed_q.set(unclaimed);
        Ok(())
    }

    /// Books a payout of `amount` to a staker or an operator.
    pub fn record_payout(&mut self, amount: u64) -> Result<()> {
        let mut curve = self.curve();
        curve.record_payout(amount)?;
        self.set_curve(&curve);
        self.total_claimed = self
            .total_claimed
            .checked_add(amount)
            .ok_or(StakingError::MathOverflow)?;
        Ok(())
    }
}

impl Pool {
    pub const SPACE: usize = 8 + std::mem::size_of::<Self>();

    /// The operator settings a pool may hold: a commission ceiling of at most 100%
    /// and a share cap between 1 and 10,000 basis points.
    pub fn validate_operator_limits(
        max_commission_bps: u16,
        max_share_bps: Option<u16>,
    ) -> Result<()> {
        require!(
            max_commission_bps <= crate::math::BPS_DENOMINATOR,
            StakingError::InvalidCommission
        );
        if let Some(cap) = max_share_bps {
            require!(
                (1..=crate::math::BPS_DENOMINATOR).contains(&cap),
                StakingError::InvalidShareCap
            );
        }
        Ok(())
    }

    pub fn is_paused(&self) -> bool {
        self.paused != 0
    }

    pub fn pending_authority(&self) -> Option<Pubkey> {
        (self.pending_authority != Pubkey::default()).then_some(self.pending_authority)
    }

    pub fn streams(&self) -> &[RewardStream] {
        &self.reward_streams[..self.reward_stream_count as usize]
    }

    pub fn stream(&self, index: u8) -> Result<&RewardStream> {
        self.streams()
            .get(index as usize)
            .ok_or_else(|| error!(StakingError::InvalidStreamIndex))
    }

    pub fn stream_mut(&mut self, index: u8) -> Result<&mut RewardStream> {
        let count = self.reward_stream_count as usize;
        self.reward_streams[..count]
            .get_mut(index as usize)
            .ok_or_else(|| error!(StakingError::InvalidStreamIndex))
    }

    /// Accrues every stream to `now`: required before any change of stake.
    pub fn accrue_all(&mut self, now: i64) -> Result<()> {
        let total_staked = self.total_staked;
        let count = self.reward_stream_count as usize;
        for stream in &mut self.reward_streams[..count] {
            stream.accrue(now, total_staked)?;
        }
        Ok(())
    }

    pub fn accrue_stream(&mut self, index: u8, now: i64) -> Result<()> {
        let total_staked = self.total_staked;
        self.stream_mut(index)?.accrue(now, total_staked)
    }

    pub fn require_not_paused(&self) -> Result<()> {
        require!(!self.is_paused(), StakingError::PoolPaused);
        Ok(())
    }

    /// Adds `amount` to the pool's and a position's stake (stake, compound,
    /// cancelled unbonding), enforcing the pause flag, the cap and the minimum.
    /// Rewards must have been settled first.
    pub fn add_stake(&mut self, position_staked: &mut u64, amount: u64) -> Result<()> {
        self.require_not_paused()?;
        require!(amount > 0, StakingError::ZeroAmount);
        let total = self
            .total_staked
            .checked_add(amount)
            .ok_or(StakingError::MathOverflow)?;
        require!(
            self.max_total_stake == NO_STAKE_CAP || total <= self.max_total_stake,
            StakingError::StakeCapExceeded
        );
        let staked = position_staked
            .checked_add(amount)
            .ok_or(StakingError::MathOverflow)?;
        require!(staked >= self.min_stake, StakingError::BelowMinimumStake);
        self.total_staked = total;
        *position_staked = staked;
        Ok(())
    }

    /// Moves `amount` of a position's stake into unbonding (`unstake`).
    pub fn begin_unbonding(&mut self, position_staked: &mut u64, amount: u64) -> Result<()> {
        *position_staked = position_staked
            .checked_sub(amount)
            .ok_or(StakingError::InsufficientStake)?;
        self.total_staked = self
            .total_staked
            .checked_sub(amount)
            .ok_or(StakingError::MathOverflow)?;
        self.total_unbonding = self
            .total_unbonding
            .checked_add(amount)
            .ok_or(StakingError::MathOverflow)?;
        Ok(())
    }

    /// Takes a released ticket out of unbonding (withdrawn or cancelled): its
    /// value, and the unowned rounding its operator freed, which stays in the
    /// vault as dust until the next slash sends it on.
    pub fn end_unbonding(&mut self, released: ReleasedTicket) -> Result<()> {
        self.total_unbonding = self
            .total_unbonding
            .checked_sub(released.value)
            .and_then(|left| left.checked_sub(released.dust))
            .ok_or(StakingError::MathOverflow)?;
        self.slash_dust = self
            .slash_dust
            .checked_add(released.dust)
            .ok_or(StakingError::MathOverflow)?;
        Ok(())
    }

    /// The slash settings in force at `now`: pending ones whose notice ran out
    /// count as applied (an instruction applies them with
    /// [`Self::apply_due_slash_settings`]).
    pub fn slash_settings_at(&self, now: i64) -> SlashSettings {
        match self.pending_slash_settings() {
            Some((pending, at)) if now >= at => pending,
            _ => SlashSettings {
                slasher: self.slasher,
                destination: self.slash_destination,
                max_slash_bps: self.max_slash_bps,
            },
        }
    }

    /// Pending slash settings, if any: what and from when.
    pub fn pending_slash_settings(&self) -> Option<(SlashSettings, i64)> {
        (self.pending_slash_settings_at != 0).then_some((
            SlashSettings {
                slasher: self.pending_slasher,
                destination: self.pending_slash_destination,
                max_slash_bps: self.pending_max_slash_bps,
            },
            self.pending_slash_settings_at,
        ))
    }

    /// Whether a slash can happen now or after settings already announced:
    /// then stake answerable to an operator cannot leave it except through
    /// an unbond ticket.
    pub fn slashing_possible(&self) -> bool {
        self.slasher != Pubkey::default() || self.pending_slash_settings_at != 0
    }

    /// Applies pending slash settings whose notice ran out; returns them when it did.
    pub fn apply_due_slash_settings(&mut self, now: i64) -> Option<SlashSettings> {
        let (settings, at) = self.pending_slash_settings()?;
        if now < at {
            return None;
        }
        self.set_slash_settings_now(settings);
        Some(settings)
    }

    fn set_slash_settings_now(&mut self, settings: SlashSettings) {
        self.slasher = settings.slasher;
        self.slash_destination = settings.destination;
        self.max_slash_bps = settings.max_slash_bps;
        self.pending_slasher = Pubkey::default();
        self.pending_slash_destination = Pubkey::default();
        self.pending_max_slash_bps = 0;
        self.pending_slash_settings_at = 0;
    }

    /// Changes the slash settings (pending ones due must have been applied):
    /// removing the slasher, keeping it with a maximum no higher (another
    /// destination allowed), or any change while nothing is staked or
    /// unbonding, applies at once and returns `None`; anything else
    /// (a new slasher, a higher maximum) waits two unbonding periods
    /// ([`Self::slash_notice_from`]) and returns when it applies. A new request replaces a pending one.
    pub fn request_slash_settings(
        &mut self,
        requested: SlashSettings,
        now: i64,
    ) -> Result<Option<i64>> {
        let removing = requested.slasher == Pubkey::default();
        if !removing {
            require!(
                (1..=crate::math::BPS_DENOMINATOR).contains(&requested.max_slash_bps),
                StakingError::InvalidSlashBps
            );
        }
        let lowers = removing
            || (requested.slasher == self.slasher && requested.max_slash_bps <= self.max_slash_bps);
        // With nothing staked or unbonding nobody needs notice (a new pool).
        let nobody_exposed = self.total_staked == 0 && self.total_unbonding == 0;
        if lowers || nobody_exposed {
            self.set_slash_settings_now(if removing {
                SlashSettings::default()
            } else {
                requested
            });
            return Ok(None);
        }
        let effective_at = self.slash_notice_from(now)?;
        self.pending_slasher = requested.slasher;
        self.pending_slash_destination = requested.destination;
        self.pending_max_slash_bps = requested.max_slash_bps;
        self.pending_slash_settings_at = effective_at;
        Ok(Some(effective_at))
    }

    /// When slash settings announced at `now` may apply: two unbonding
    /// periods on, one to react and one for the tickets of those who leave to
    /// unlock and be withdrawn (a ticket stays answerable until then). Zero
    /// marks "nothing pending": a zero-notice pool applies them at the next
    /// instruction that looks, one second on at the earliest.
    pub fn slash_notice_from(&self, now: i64) -> Result<i64> {
        let notice = self
            .unbonding_period
            .checked_mul(2)
            .and_then(|notice| i64::try_from(notice).ok())
            .ok_or(StakingError::MathOverflow)?;
        Ok(now
            .checked_add(notice)
            .ok_or(StakingError::MathOverflow)?
            .max(1))
    }

    /// A longer unbonding period set while slash settings are pending pushes
    /// them back, so that the notice still covers leaving under it.
    pub fn postpone_pending_slash_settings(&mut self, now: i64) -> Result<Option<i64>> {
        if self.pending_slash_settings_at == 0 {
            return Ok(None);
        }
        let covering = self.slash_notice_from(now)?;
        if covering <= self.pending_slash_settings_at {
            return Ok(None);
        }
        self.pending_slash_settings_at = covering;
        Ok(Some(covering))
    }

    /// Takes what a slash took from an operator out of the totals, at once (so
    /// reward accrual uses the reduced stake from now on), and returns what
    /// leaves the stake vault: that plus any unowned dust.
    pub fn record_slash(&mut self, from_delegated: u64, from_unbonding: u64) -> Result<u64> {
        self.total_staked = self
            .total_staked
            .checked_sub(from_delegated)
            .ok_or(StakingError::MathOverflow)?;
        self.total_unbonding = self
            .total_unbonding
            .checked_sub(from_unbonding)
            .ok_or(StakingError::MathOverflow)?;
        let dust = std::mem::take(&mut self.slash_dust);
        from_delegated
            .checked_add(from_unbonding)
            .and_then(|taken| taken.checked_add(dust))
            .ok_or_else(|| error!(StakingError::MathOverflow))
    }

    /// The seeds the pool PDA signs its vaults' transfers with.
    pub fn signer(&self) -> PoolSigner {
        PoolSigner {
            stake_mint: self.stake_mint,
            creator: self.creator,
            pool_id: self.pool_id,
            bump: self.bump,
        }
    }
}
