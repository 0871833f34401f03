//! Pool-level actions for tests: each builds its instruction with
//! `staking-client` (the one way instructions are made) and sends it.
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;
use staking::instructions::{InitializePoolParams, UpdatePoolParams};
use staking::state::{Delegation, Operator, Pool, Position, UnbondTicket};
use staking::token::AcceptedMintAuthorities;
use staking_client::{instructions as ix, pda};

use crate::{TestEnv, TxResult};

/// A pool created by the harness, with its authority's keypair (the creator:
/// the pool's address is `["pool", stake_mint, creator, pool_id]`).
pub struct TestPool {
    pub address: Pubkey,
    pub stake_mint: Pubkey,
    pub authority: Keypair,
    pub pool_id: u64,
}

impl TestPool {
    pub fn position_address(&self, owner: &Pubkey) -> Pubkey {
        pda::position(&staking::ID, &self.address, owner)
    }
}

/// The address of `creator`'s pool `pool_id` for `stake_mint`.
pub fn pool_address(stake_mint: &Pubkey, creator: &Pubkey, pool_id: u64) -> Pubkey {
    pda::pool(&staking::ID, stake_mint, creator, pool_id)
}

/// Pool settings with no limits and the given unbonding period. The pool id
/// is no longer one of the settings (it is `initialize_pool`'s own argument, a
/// PDA seed): `_pool_id` is kept so existing callers compile; pass the id to
/// [`TestEnv::create_pool_with_id`] or [`TestEnv::try_create_pool`].
pub fn pool_params(_pool_id: u64, unbonding_period: u64) -> InitializePoolParams {
    InitializePoolParams {
        unbonding_period,
        min_stake: 0,
        max_total_stake: None,
        operator_approval_required: false,
        max_commission_bps: staking::math::BPS_DENOMINATOR,
        max_operator_share_bps: None,
        accepted_mint_authorities: AcceptedMintAuthorities::default(),
    }
}

impl TestEnv {
    /// `authority` creates (and becomes the creator of) pool `pool_id` for `stake_mint`.
    pub fn try_create_pool(
        &mut self,
        authority: &Keypair,
        stake_mint: &Pubkey,
        pool_id: u64,
        params: InitializePoolParams,
    ) -> TxResult {
        let token_program = self.owner_program(stake_mint);
        let ix = ix::initialize_pool(
            &staking::ID,
            &authority.pubkey(),
            stake_mint,
            &token_program,
            pool_id,
            params,
        );
        self.send(&[ix], &[authority])
    }

    /// A pool (id 0) created by a fresh authority.
    pub fn create_pool(&mut self, stake_mint: &Pubkey, params: InitializePoolParams) -> TestPool {
        self.create_pool_with_id(stake_mint, 0, params)
    }

    /// Pool `pool_id` created by a fresh authority.
    pub fn create_pool_with_id(
        &mut self,
        stake_mint: &Pubkey,
        pool_id: u64,
        params: InitializePoolParams,
    ) -> TestPool {
        let authority = self.new_user();
        self.create_pool_by(authority, stake_mint, pool_id, params)
    }

    /// Pool `pool_id` created by `authority` (panics if that fails).
    pub fn create_pool_by(
        &mut self,
        authority: Keypair,
        stake_mint: &Pubkey,
        pool_id: u64,
        params: InitializePoolParams,
    ) -> TestPool {
        let address = pool_address(stake_mint, &authority.pubkey(), pool_id);
        let result = self.try_create_pool(&authority, stake_mint, pool_id, params);
        crate::ok(result);
        TestPool {
            address,
            stake_mint: *stake_mint,
            authority,
            pool_id,
        }
    }

    pub fn pool(&self, pool: &TestPool) -> Pool {
        self.account(&pool.address)
    }

    pub fn position(&self, pool: &TestPool, owner: &Pubkey) -> Position {
        self.account(&pool.position_address(owner))
    }

    pub fn ticket(&self, address: &Pubkey) -> UnbondTicket {
        self.account(address)
    }

    /// The ticket as a client would last have read it; a closed (or never
    /// created) one reads as empty, so tests can send instructions for it and
    /// see the program refuse them.
    fn ticket_as_read(&self, address: &Pubkey) -> UnbondTicket {
        if self.exists(address) {
            self.ticket(address)
        } else {
            bytemuck::Zeroable::zeroed()
        }
    }

    /// Adds a stream without accepting any authority on its mint.
    pub fn try_add_stream(&mut self, pool: &TestPool, reward_mint: &Pubkey) -> TxResult {
        self.try_add_stream_accepting(pool, reward_mint, AcceptedMintAuthorities::default())
    }

    /// Adds a stream accepting the mint authorities in `accepted`.
    pub fn try_add_stream_accepting(
        &mut self,
        pool: &TestPool,
        reward_mint: &Pubkey,
        accepted: AcceptedMintAuthorities,
    ) -> TxResult {
        let token_program = self.owner_program(reward_mint);
        let ix = ix::add_reward_stream(
            &staking::ID,
            &pool.authority.pubkey(),
            &pool.address,
            reward_mint,
            &token_program,
            accepted,
        );
        self.send(&[ix], &[&pool.authority])
    }

    /// Adds a stream and returns its index.
    pub fn add_stream(&mut self, pool: &TestPool, reward_mint: &Pubkey) -> u8 {
        crate::ok(self.try_add_stream(pool, reward_mint));
        self.pool(pool).reward_stream_count - 1
    }

    /// Mints `amount` of the stream's reward mint to the authority and funds.
    pub fn fund(
        &mut self,
        pool: &TestPool,
        stream_index: u8,
        amount: u64,
        duration: u64,
    ) -> TxResult {
        let state = self.pool(pool);
        let mint = state.reward_streams[stream_index as usize].reward_mint;
        let source = self.fund_user(&pool.authority.pubkey(), &mint, amount);
        let ix = ix::fund_rewards(
            &staking::ID,
            &pool.authority.pubkey(),
            &pool.address,
            &state,
            stream_index,
            &source,
            amount,
            duration,
        )
        .expect("stream exists");
        self.send(&[ix], &[&pool.authority])
    }

    /// Mints `amount` stake tokens to the user and stakes them, opening the
    /// position in the same transaction if it does not exist yet.
    pub fn stake(&mut self, pool: &TestPool, user: &Keypair, amount: u64) -> TxResult {
        let source = self.fund_user(&user.pubkey(), &pool.stake_mint, amount);
        let state = self.pool(pool);
        let mut instructions = Vec::new();
        if !self.exists(&pool.position_address(&user.pubkey())) {
            instructions.push(ix::open_position(
                &staking::ID,
                &pool.address,
                &user.pubkey(),
            ));
        }
        let operator = self.operator_of(pool, &user.pubkey());
        instructions.push(ix::stake(
            &staking::ID,
            &pool.address,
            &state,
            &user.pubkey(),
            operator.as_ref(),
            &source,
            amount,
        ));
        self.send(&instructions, &[user])
    }

    /// Unstakes and returns the new ticket's address with the result.
    pub fn unstake(&mut self, pool: &TestPool, user: &Keypair, amount: u64) -> (Pubkey, TxResult) {
        let ticket = self.new_keypair();
        let operator = self.operator_of(pool, &user.pubkey());
        let ix = ix::unstake(
            &staking::ID,
            &pool.address,
            &user.pubkey(),
            operator.as_ref(),
            &ticket.pubkey(),
            amount,
        );
        (ticket.pubkey(), self.send(&[ix], &[user, &ticket]))
    }

    pub fn withdraw(&mut self, pool: &TestPool, user: &Keypair, ticket: &Pubkey) -> TxResult {
        let destination = self.token_account(&user.pubkey(), &pool.stake_mint);
        let state = self.pool(pool);
        let ix = ix::withdraw(
            &staking::ID,
            &pool.address,
            &state,
            &user.pubkey(),
            ticket,
            &self.ticket_as_read(ticket),
            &destination,
        );
        self.send(&[ix], &[user])
    }

    pub fn cancel_unbond(&mut self, pool: &TestPool, user: &Keypair, ticket: &Pubkey) -> TxResult {
        let operator = self.operator_of(pool, &user.pubkey());
        let ix = ix::cancel_unbond(
            &staking::ID,
            &pool.address,
            &user.pubkey(),
            operator.as_ref(),
            ticket,
            &self.ticket_as_read(ticket),
        );
        self.send(&[ix], &[user])
    }

    /// Claims into the user's associated token accounts (created first).
    pub fn claim(&mut self, pool: &TestPool, user: &Keypair, stream_index: Option<u8>) -> TxResult {
        let state = self.pool(pool);
        for stream in state.streams() {
            self.token_account(&user.pubkey(), &stream.reward_mint);
        }
        let operator = self.operator_of(pool, &user.pubkey());
        let ix = ix::claim_rewards(
            &staking::ID,
            &pool.address,
            &state,
            &user.pubkey(),
            operator.as_ref(),
            stream_index,
        )
        .expect("stream exists");
        self.send(&[ix], &[user])
    }

    pub fn compound(&mut self, pool: &TestPool, user: &Keypair, stream_index: u8) -> TxResult {
        let state = self.pool(pool);
        let operator = self.operator_of(pool, &user.pubkey());
        let ix = ix::compound(
            &staking::ID,
            &pool.address,
            &state,
            &user.pubkey(),
            operator.as_ref(),
            stream_index,
        )
        .expect("stream exists");
        self.send(&[ix], &[user])
    }

    pub fn update_pool(&mut self, pool: &TestPool, params: UpdatePoolParams) -> TxResult {
        let ix = ix::update_pool(
            &staking::ID,
            &pool.authority.pubkey(),
            &pool.address,
            params,
        );
        self.send(&[ix], &[&pool.authority])
    }

    pub fn set_paused(&mut self, pool: &TestPool, paused: bool) {
        let params = UpdatePoolParams {
            paused: Some(paused),
            ..Default::default()
        };
        crate::ok(self.update_pool(pool, params));
    }

    pub fn recover(
        &mut self,
        pool: &TestPool,
        stream_index: u8,
        amount: u64,
    ) -> (Pubkey, TxResult) {
        let state = self.pool(pool);
        let mint = state.reward_streams[stream_index as usize].reward_mint;
        let destination = self.token_account(&pool.authority.pubkey(), &mint);
        let ix = ix::recover_undistributed(
            &staking::ID,
            &pool.authority.pubkey(),
            &pool.address,
            &state,
            stream_index,
            &destination,
            amount,
        )
        .expect("stream exists");
        (destination, self.send(&[ix], &[&pool.authority]))
    }

    pub fn close_position(&mut self, pool: &TestPool, user: &Keypair) -> TxResult {
        let ix = ix::close_position(&staking::ID, &pool.address, &user.pubkey());
        self.send(&[ix], &[user])
    }

    /// The user's balance of the stream's reward mint (0 without an account).
    pub fn reward_balance(&self, pool: &TestPool, user: &Pubkey, stream_index: u8) -> u64 {
        let stream = self.pool(pool).reward_streams[stream_index as usize];
        let account = pda::token_account(user, &stream.reward_mint, &stream.reward_token_program);
        if self.exists(&account) {
            self.balance(&account)
        } else {
            0
        }
    }
}

impl TestEnv {
    /// The operator the user's position is delegated to, if any.
    pub fn operator_of(&self, pool: &TestPool, owner: &Pubkey) -> Option<Pubkey> {
        let position = self.position_or_default(pool, owner);
        position.is_delegated().then_some(position.operator)
    }

    /// The user's position, or an empty one if it does not exist (yet).
    pub fn position_or_default(&self, pool: &TestPool, owner: &Pubkey) -> Position {
        if self.exists(&pool.position_address(owner)) {
            self.position(pool, owner)
        } else {
            Position {
                pool: pool.address,
                owner: *owner,
                ..bytemuck::Zeroable::zeroed()
            }
        }
    }
}

/// Operators and delegation.
impl TestEnv {
    pub fn try_register_operator(
        &mut self,
        pool: &TestPool,
        authority: &Keypair,
        commission_bps: u16,
        name: &str,
    ) -> TxResult {
        let ix = ix::register_operator(
            &staking::ID,
            &pool.address,
            &authority.pubkey(),
            commission_bps,
            name.to_string(),
        );
        self.send(&[ix], &[authority])
    }

    /// Registers `authority` as an operator and returns the operator's address.
    pub fn register_operator(
        &mut self,
        pool: &TestPool,
        authority: &Keypair,
        commission_bps: u16,
        name: &str,
    ) -> Pubkey {
        crate::ok(self.try_register_operator(pool, authority, commission_bps, name));
        pda::operator(&staking::ID, &pool.address, &authority.pubkey())
    }

    pub fn update_operator(
        &mut self,
        pool: &TestPool,
        authority: &Keypair,
        commission_bps: Option<u16>,
        name: Option<&str>,
    ) -> TxResult {
        let ix = ix::update_operator(
            &staking::ID,
            &pool.address,
            &authority.pubkey(),
            commission_bps,
            name.map(str::to_string),
        );
        self.send(&[ix], &[authority])
    }

    /// Signed by the pool's authority.
    pub fn set_operator_active(
        &mut self,
        pool: &TestPool,
        operator: &Pubkey,
        active: bool,
    ) -> TxResult {
        let ix = ix::set_operator_active(
            &staking::ID,
            &pool.address,
            &pool.authority.pubkey(),
            operator,
            active,
        );
        self.send(&[ix], &[&pool.authority])
    }

    pub fn delegate(&mut self, pool: &TestPool, user: &Keypair, operator: &Pubkey) -> TxResult {
        let ix = ix::delegate(&staking::ID, &pool.address, &user.pubkey(), operator);
        self.send(&[ix], &[user])
    }

    pub fn redelegate(
        &mut self,
        pool: &TestPool,
        user: &Keypair,
        new_operator: &Pubkey,
    ) -> TxResult {
        let current = self
            .operator_of(pool, &user.pubkey())
            .expect("the position is delegated");
        let ix = ix::redelegate(
            &staking::ID,
            &pool.address,
            &user.pubkey(),
            &current,
            new_operator,
        );
        self.send(&[ix], &[user])
    }

    pub fn undelegate(&mut self, pool: &TestPool, user: &Keypair) -> TxResult {
        let current = self
            .operator_of(pool, &user.pubkey())
            .expect("the position is delegated");
        let ix = ix::undelegate(&staking::ID, &pool.address, &user.pubkey(), &current);
        self.send(&[ix], &[user])
    }

    /// Claims into the operator authority's associated token account (created first).
    pub fn claim_commission(
        &mut self,
        pool: &TestPool,
        authority: &Keypair,
        stream_index: u8,
    ) -> TxResult {
        let state = self.pool(pool);
        let mint = state.reward_streams[stream_index as usize].reward_mint;
        self.token_account(&authority.pubkey(), &mint);
        let ix = ix::claim_commission(
            &staking::ID,
            &pool.address,
            &state,
            &authority.pubkey(),
            stream_index,
        )
        .expect("stream exists");
        self.send(&[ix], &[authority])
    }

    pub fn operator(&self, address: &Pubkey) -> Operator {
        self.account(address)
    }

    pub fn delegation(&self, pool: &TestPool, owner: &Pubkey) -> Delegation {
        let position = pool.position_address(owner);
        self.account(&pda::delegation(&staking::ID, &position))
    }

    /// The commission taken from the position's rewards on `stream` during its
    /// current delegation, Q64.64 base units (0 when not delegated).
    pub fn commission_paid_q(&self, pool: &TestPool, owner: &Pubkey, stream: u8) -> u128 {
        if self.operator_of(pool, owner).is_none() {
            return 0;
        }
        self.delegation(pool, owner).streams[stream as usize]
            .commission_paid_q
            .get()
    }

    /// [`Self::commission_paid_q`] in whole base units, rounded down.
    pub fn commission_paid(&self, pool: &TestPool, owner: &Pubkey, stream: u8) -> u64 {
        (self.commission_paid_q(pool, owner, stream) >> 64) as u64
    }

    /// Sets (`Some((slasher, destination))`) or removes the pool's slasher.
    pub fn set_slasher(
        &mut self,
        pool: &TestPool,
        slasher: Option<(&Pubkey, &Pubkey)>,
        max_slash_bps: u16,
    ) -> TxResult {
        let ix = ix::set_slasher(
            &staking::ID,
            &pool.address,
            &pool.authority.pubkey(),
            slasher.map(|(slasher, destination)| (*slasher, *destination)),
            max_slash_bps,
        );
        self.send(&[ix], &[&pool.authority])
    }

    /// A fresh token account of the pool's stake mint, for slashed stake.
    pub fn new_slash_destination(&mut self, pool: &TestPool) -> Pubkey {
        let owner = self.new_keypair();
        self.token_account(&owner.pubkey(), &pool.stake_mint)
    }

    /// A new slasher keypair and destination, set in force on `pool` (which
    /// must have nothing staked yet, or the setting waits its notice).
    pub fn enable_slashing(&mut self, pool: &TestPool, max_slash_bps: u16) -> (Keypair, Pubkey) {
        let slasher = self.new_keypair();
        let destination = self.new_slash_destination(pool);
        crate::ok(self.set_slasher(pool, Some((&slasher.pubkey(), &destination)), max_slash_bps));
        (slasher, destination)
    }

    pub fn slash(
        &mut self,
        pool: &TestPool,
        slasher: &Keypair,
        operator: &Pubkey,
        bps: u16,
        reason: [u8; 32],
    ) -> TxResult {
        let state = self.pool(pool);
        let ix = ix::slash(
            &staking::ID,
            &pool.address,
            &state,
            &slasher.pubkey(),
            operator,
            staking::instruction::Slash { bps, reason },
            self.now(),
        );
        self.send(&[ix], &[slasher])
    }

    /// The position as a settlement now would leave it (stake after any
    /// slash since its last settlement, rewards owed), projected by the SDK.
    pub fn settled_position(&self, pool: &TestPool, owner: &Pubkey) -> Position {
        let state = self.pool(pool);
        let position = self.position(pool, owner);
        let delegated = self
            .operator_of(pool, owner)
            .map(|operator| (self.operator(&operator), self.delegation(pool, owner)));
        staking_client::rewards::settled_position(
            &state,
            &position,
            delegated
                .as_ref()
                .map(|(operator, delegation)| (operator, delegation)),
            self.now(),
        )
        .expect("projects")
        .position
    }

    /// What a ticket would pay now (after its operator's slashes).
    pub fn ticket_value(&self, ticket: &Pubkey) -> u64 {
        let ticket = self.ticket(ticket);
        let operator =
            (ticket.operator != Pubkey::default()).then(|| self.operator(&ticket.operator));
        staking_client::slashing::ticket_value(&ticket, operator.as_ref()).expect("ticket value")
    }
}
