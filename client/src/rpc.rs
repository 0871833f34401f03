//! The async layer: fetch and decode accounts, and build, sign, simulate, send
//! and confirm transactions over JSON-RPC.
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::AccountDeserialize;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig,
    RpcSimulateTransactionConfig, RpcTransactionConfig,
};
use solana_rpc_client_api::filter::RpcFilterType;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::option_serializer::OptionSerializer;
use staking::state::{Delegation, Operator, Pool, Position, UnbondTicket};

use crate::accounts::{self, MintInfo, Named};
use crate::error::{from_rpc, transaction_error, ClientError};
use crate::events::{decode_logs, Event};
use crate::subscription::{websocket_url, LogSubscription};

/// Extra compute units on top of the simulated figure, as a share and a floor.
const COMPUTE_MARGIN_PERCENT: u64 = 20;
const COMPUTE_MARGIN_MIN: u64 = 2_000;
const MAX_COMPUTE_UNITS: u64 = 1_400_000;
/// Attempts with a fresh blockhash before giving up.
const SEND_ATTEMPTS: u32 = 5;
const POLL_INTERVAL: Duration = Duration::from_millis(400);
/// Polls between re-sends of an unconfirmed transaction (same signature).
const RESEND_EVERY_POLLS: u32 = 5;
/// How long confirming goes on without any answer from the node before it
/// gives up (the transaction may have landed: the error says how to check).
pub const DEFAULT_UNREACHABLE_AFTER: Duration = Duration::from_secs(60);

/// What a simulation reports.
#[derive(Debug)]
pub struct Simulation {
    pub logs: Vec<String>,
    pub compute_units: Option<u64>,
    /// The failure, decoded (`None` when the transaction would succeed).
    pub error: Option<ClientError>,
}

/// How long to wait, once a transaction is confirmed, for its logs to arrive
/// over the subscription (they are sent at the same commitment, so usually
/// before the confirmation is polled).
const EVENTS_GRACE: Duration = Duration::from_secs(5);

/// The most transactions [`StakingClient::history`] reads at once (each is
/// one `getTransaction` request).
pub const MAX_HISTORY_LIMIT: usize = 100;

/// One transaction of an address's history ([`StakingClient::history`]).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub signature: Signature,
    pub slot: u64,
    /// Unix seconds, when the node knows the block's time.
    pub block_time: Option<i64>,
    /// Why the transaction failed (`None`: it succeeded), decoded from its
    /// logs when the node served them (a program error by name).
    pub error: Option<String>,
    /// What the transaction did, or why the node cannot say.
    pub details: Result<HistoryDetails, Unavailable>,
}

/// Why a listed transaction's details are missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// `getTransaction` answers null: the node does not serve it yet (for a
    /// moment after it lands).
    NotYet,
    /// The node serves the transaction without its logs (a validator run
    /// without `enable_extended_tx_metadata_storage` drops them), so its
    /// events cannot be read.
    NoLogs,
}

/// A served transaction's part in the staking program.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryDetails {
    /// The transaction calls the staking program (directly or through
    /// another program); a wallet's history also has transactions that do not.
    pub invokes_program: bool,
    /// The program's events, in order; empty for a failed transaction (its
    /// changes were rolled back, so the events it logged did not happen).
    pub events: Vec<Event>,
}

/// A confirmed transaction.
#[derive(Debug, Clone)]
pub struct Sent {
    pub signature: Signature,
    /// Compute units the simulation measured (the limit set was higher).
    pub compute_units: Option<u64>,
    /// The program's events in the transaction, in order, when they were
    /// observed ([`StakingClient::send_collecting_events`]); `None` otherwise.
    pub events: Option<Vec<Event>>,
}

pub struct StakingClient {
    pub rpc: RpcClient,
    pub url: String,
    /// The node's WebSocket, for log subscriptions (default: derived from
    /// `url` as the Solana CLI does).
    pub websocket_url: String,
    /// Signs and pays; read-only use needs none.
    pub payer: Option<Arc<Keypair>>,
    pub program_id: Pubkey,
    pub commitment: CommitmentConfig,
    /// Priority fee in micro-lamports per compute unit.
    pub compute_unit_price: Option<u64>,
    /// How long confirming a sent transaction may go without a single answer
    /// from the node before the send fails with
    /// [`ClientError::LostWhileConfirming`] (default
    /// [`DEFAULT_UNREACHABLE_AFTER`]).
    pub unreachable_after: Duration,
}

impl StakingClient {
    pub fn new(
        url: &str,
        payer: Option<Arc<Keypair>>,
        program_id: Pubkey,
        commitment: CommitmentConfig,
    ) -> Self {
        StakingClient {
            rpc: RpcClient::new_with_timeout_and_commitment(
                url.to_string(),
                crate::error::RPC_TIMEOUT,
                commitment,
            ),
            url: url.to_string(),
            websocket_url: websocket_url(url),
            payer,
            program_id,
            commitment,
            compute_unit_price: None,
            unreachable_after: DEFAULT_UNREACHABLE_AFTER,
        }
    }

    /// The keypair that signs, or an error saying one is needed.
    pub fn signer(&self) -> Result<&Keypair, ClientError> {
        self.payer.as_deref().ok_or_else(|| {
            ClientError::invalid(
                "this command needs a keypair: pass --keypair or set one in the Solana CLI config",
            )
        })
    }

    /// The signer's address.
    pub fn me(&self) -> Result<Pubkey, ClientError> {
        Ok(self.signer()?.pubkey())
    }

    fn rpc_error(&self, error: solana_rpc_client_api::client_error::Error) -> ClientError {
        from_rpc(&self.url, error)
    }

    /// Raw owner and data of an account, `None` when it does not exist.
    pub async fn raw_account(
        &self,
        address: &Pubkey,
    ) -> Result<Option<(Pubkey, Vec<u8>)>, ClientError> {
        // `getMultipleAccounts` rather than `get_account_with_commitment`,
        // which folds transport errors into an "AccountNotFound: …" string
        // (a timeout would then read as a request that could not be sent).
        let config = RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            commitment: Some(self.commitment),
            ..RpcAccountInfoConfig::default()
        };
        let response = self
            .rpc
            .get_multiple_ui_accounts_with_config(&[*address], config)
            .await
            .map_err(|e| self.rpc_error(e))?;
        let Some(account) = response.value.into_iter().next().flatten() else {
            return Ok(None);
        };
        let owner: Pubkey = account
            .owner
            .parse()
            .map_err(|_| ClientError::Rpc(format!("bad owner for {address}")))?;
        let data = account
            .data
            .decode()
            .ok_or_else(|| ClientError::Rpc(format!("undecodable data for {address}")))?;
        Ok(Some((owner, data)))
    }

    async fn existing(
        &self,
        what: &'static str,
        address: &Pubkey,
    ) -> Result<(Pubkey, Vec<u8>), ClientError> {
        self.raw_account(address)
            .await?
            .ok_or(ClientError::AccountNotFound {
                what,
                address: *address,
            })
    }

    /// One of the program's accounts, decoded and checked.
    pub async fn account<T: AccountDeserialize + Named>(
        &self,
        address: &Pubkey,
    ) -> Result<T, ClientError> {
        let (owner, data) = self.existing(T::NAME, address).await?;
        accounts::decode(&self.program_id, address, &owner, &data)
    }

    pub async fn pool(&self, address: &Pubkey) -> Result<Pool, ClientError> {
        self.account(address).await
    }

    /// The position, or `None` if the owner has none in this pool.
    pub async fn position(
        &self,
        pool: &Pubkey,
        owner: &Pubkey,
    ) -> Result<Option<Position>, ClientError> {
        let address = crate::pda::position(&self.program_id, pool, owner);
        match self.raw_account(&address).await? {
            Some((account_owner, data)) => Ok(Some(accounts::decode(
                &self.program_id,
                &address,
                &account_owner,
                &data,
            )?)),
            None => Ok(None),
        }
    }

    pub async fn operator(&self, address: &Pubkey) -> Result<Operator, ClientError> {
        self.account(address).await
    }

    /// A pool's operators, most delegated stake first.
    pub async fn operators(&self, pool: &Pubkey) -> Result<Vec<(Pubkey, Operator)>, ClientError> {
        let mut operators: Vec<(Pubkey, Operator)> = self
            .program_accounts(accounts::operator_filters(pool))
            .await?;
        operators
            .sort_by(|(a_key, a), (b_key, b)| b.delegated.cmp(&a.delegated).then(a_key.cmp(b_key)));
        Ok(operators)
    }

    /// A delegated position's operator and delegation; `None` when undelegated.
    pub async fn delegation_of(
        &self,
        position_address: &Pubkey,
        position: &Position,
    ) -> Result<Option<(Pubkey, Operator, Delegation)>, ClientError> {
        if !position.is_delegated() {
            return Ok(None);
        }
        let operator = self.operator(&position.operator).await?;
        let delegation = self
            .account(&crate::pda::delegation(&self.program_id, position_address))
            .await?;
        Ok(Some((position.operator, operator, delegation)))
    }

    pub async fn mint(&self, address: &Pubkey) -> Result<MintInfo, ClientError> {
        let (owner, data) = self.existing("mint", address).await?;
        accounts::decode_mint(address, &owner, &data)
    }

    /// A token account's balance, 0 when it does not exist.
    pub async fn token_balance(&self, address: &Pubkey) -> Result<u64, ClientError> {
        match self.raw_account(address).await? {
            Some((owner, data)) => accounts::decode_token_balance(address, &owner, &data),
            None => Ok(0),
        }
    }

    /// A token account, which must exist.
    pub async fn token_account(
        &self,
        address: &Pubkey,
    ) -> Result<accounts::TokenAccountInfo, ClientError> {
        let (owner, data) = self.existing("token account", address).await?;
        accounts::decode_token_account(address, &owner, &data)
    }

    /// Whether an account exists.
    pub async fn exists(&self, address: &Pubkey) -> Result<bool, ClientError> {
        Ok(self.raw_account(address).await?.is_some())
    }

    async fn program_accounts<T: AccountDeserialize + Named>(
        &self,
        filters: Vec<RpcFilterType>,
    ) -> Result<Vec<(Pubkey, T)>, ClientError> {
        let config = RpcProgramAccountsConfig {
            filters: Some(filters),
            account_config: RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                commitment: Some(self.commitment),
                ..RpcAccountInfoConfig::default()
            },
            ..RpcProgramAccountsConfig::default()
        };
        let accounts = self
            .rpc
            .get_program_ui_accounts_with_config(&self.program_id, config)
            .await
            .map_err(|e| self.rpc_error(e))?;
        accounts
            .into_iter()
            .map(|(address, account)| {
                let owner: Pubkey = account
                    .owner
                    .parse()
                    .map_err(|_| ClientError::Rpc(format!("bad owner for {address}")))?;
                let data = account
                    .data
                    .decode()
                    .ok_or_else(|| ClientError::Rpc(format!("undecodable data for {address}")))?;
                accounts::decode(&self.program_id, &address, &owner, &data)
                    .map(|decoded| (address, decoded))
            })
            .collect()
    }

    /// All pools, or those of one stake mint and/or one creator.
    pub async fn pools(
        &self,
        stake_mint: Option<&Pubkey>,
        creator: Option<&Pubkey>,
    ) -> Result<Vec<(Pubkey, Pool)>, ClientError> {
        self.program_accounts(accounts::pool_filters(stake_mint, creator))
            .await
    }

    pub async fn positions(&self, owner: &Pubkey) -> Result<Vec<(Pubkey, Position)>, ClientError> {
        self.program_accounts(accounts::position_filters(owner))
            .await
    }

    /// An owner's unbond tickets (in one pool or all), oldest first.
    pub async fn tickets(
        &self,
        owner: &Pubkey,
        pool: Option<&Pubkey>,
    ) -> Result<Vec<(Pubkey, UnbondTicket)>, ClientError> {
        let mut tickets: Vec<(Pubkey, UnbondTicket)> = self
            .program_accounts(accounts::ticket_filters(owner, pool))
            .await?;
        tickets.sort_by_key(|(_, ticket)| (ticket.pool, ticket.id));
        Ok(tickets)
    }

    /// The cluster's clock as programs see it: the Clock sysvar's
    /// `unix_timestamp` (block times can lag it).
    pub async fn now(&self) -> Result<i64, ClientError> {
        // slot, epoch_start_timestamp, epoch, leader_schedule_epoch, unix_timestamp
        self.clock_word(32).await.map(|word| word as i64)
    }

    /// The cluster's epoch, from the Clock sysvar.
    pub async fn epoch(&self) -> Result<u64, ClientError> {
        self.clock_word(16).await
    }

    /// The little-endian word at `offset` of the Clock sysvar.
    async fn clock_word(&self, offset: usize) -> Result<u64, ClientError> {
        let clock =
            <anchor_lang::prelude::Clock as anchor_lang::solana_program::sysvar::SysvarId>::id();
        let (_, data) = self.existing("clock sysvar", &clock).await?;
        data.get(offset..offset + 8)
            .map(|bytes| u64::from_le_bytes(bytes.try_into().expect("8 bytes")))
            .ok_or(ClientError::WrongAccountType {
                what: "clock sysvar",
                address: clock,
            })
    }

    fn transaction(
        &self,
        instructions: &[Instruction],
        extra_signers: &[&Keypair],
        compute_limit: Option<u64>,
        blockhash: solana_transaction::Hash,
    ) -> Result<Transaction, ClientError> {
        let payer = self.signer()?;
        let mut signers = vec![payer];
        signers.extend_from_slice(extra_signers);
        let mut all = Vec::with_capacity(instructions.len() + 2);
        if let Some(limit) = compute_limit {
            all.push(ComputeBudgetInstruction::set_compute_unit_limit(
                limit as u32,
            ));
        }
        if let Some(price) = self.compute_unit_price {
            all.push(ComputeBudgetInstruction::set_compute_unit_price(price));
        }
        all.extend_from_slice(instructions);
        let mut tx = Transaction::new_with_payer(&all, Some(&payer.pubkey()));
        tx.try_sign(&signers, blockhash)
            .map_err(|e| ClientError::invalid(format!("cannot sign the transaction: {e}")))?;
        Ok(tx)
    }

    /// Simulates without sending: logs, compute units and the decoded failure.
    pub async fn simulate(&self, instructions: &[Instruction]) -> Result<Simulation, ClientError> {
        self.simulate_with_signers(instructions, &[]).await
    }

    /// [`simulate`](Self::simulate) for transactions that need signers besides the payer.
    pub async fn simulate_with_signers(
        &self,
        instructions: &[Instruction],
        extra_signers: &[&Keypair],
    ) -> Result<Simulation, ClientError> {
        let blockhash = self
            .rpc
            .get_latest_blockhash()
            .await
            .map_err(|e| self.rpc_error(e))?;
        let tx = self.transaction(instructions, extra_signers, None, blockhash)?;
        let config = RpcSimulateTransactionConfig {
            sig_verify: false,
            replace_recent_blockhash: true,
            commitment: Some(self.commitment),
            ..RpcSimulateTransactionConfig::default()
        };
        let result = self
            .rpc
            .simulate_transaction_with_config(&tx, config)
            .await
            .map_err(|e| self.rpc_error(e))?
            .value;
        let logs = result.logs.unwrap_or_default();
        let error = result
            .err
            .map(|err| transaction_error(&logs, &TransactionError::from(err)));
        Ok(Simulation {
            logs,
            compute_units: result.units_consumed,
            error,
        })
    }

    /// Simulates (refusing with the decoded program error), then sends with a
    /// compute-unit limit from the simulation plus a margin, and waits for the
    /// client's commitment. Retries with a fresh blockhash when one expires or
    /// the RPC node fails transiently.
    pub async fn send(&self, instructions: &[Instruction]) -> Result<Sent, ClientError> {
        self.send_with_signers(instructions, &[]).await
    }

    /// [`send`](Self::send) for transactions that need signers besides the payer.
    pub async fn send_with_signers(
        &self,
        instructions: &[Instruction],
        extra_signers: &[&Keypair],
    ) -> Result<Sent, ClientError> {
        self.send_reporting(instructions, extra_signers, &|_| {})
            .await
    }

    /// [`Self::send_with_signers`], calling `on_sent` with each signature just
    /// before it is sent (a transaction whose request failed may still have
    /// reached the node), so a caller that is interrupted can say what may
    /// still land.
    pub async fn send_reporting(
        &self,
        instructions: &[Instruction],
        extra_signers: &[&Keypair],
        on_sent: &(dyn Fn(&Signature) + Send + Sync),
    ) -> Result<Sent, ClientError> {
        let simulation = self
            .simulate_with_signers(instructions, extra_signers)
            .await?;
        if let Some(error) = simulation.error {
            return Err(error);
        }
        let compute_limit = simulation.compute_units.map(|units| {
            let margin = (units * COMPUTE_MARGIN_PERCENT / 100).max(COMPUTE_MARGIN_MIN);
            (units + margin).min(MAX_COMPUTE_UNITS)
        });

        let mut last_error = None;
        for attempt in 0..SEND_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(POLL_INTERVAL * attempt).await;
            }
            let (blockhash, last_valid_height) = match self
                .rpc
                .get_latest_blockhash_with_commitment(self.commitment)
                .await
            {
                Ok(latest) => latest,
                Err(e) => {
                    last_error = Some(self.rpc_error(e));
                    continue;
                }
            };
            let tx = self.transaction(instructions, extra_signers, compute_limit, blockhash)?;
            let signature = tx.signatures[0];
            // The same instructions signed by the same payer over the same
            // blockhash are the same transaction, byte for byte: a second
            // invocation running the same command at the same moment (or an
            // earlier attempt of ours) would otherwise see "its" signature
            // confirmed though only one transaction happened. So before the
            // first send of each signed transaction, ask whether the node
            // already knows it. Two checks at the same instant can both see
            // nothing and both send; the node then executes it once and both
            // report it: this narrows the race, it cannot close it.
            match self.rpc.get_signature_statuses(&[signature]).await {
                Ok(response) => {
                    if let Some(Some(_)) = response.value.first() {
                        return Err(ClientError::AlreadySent {
                            signature: signature.to_string(),
                        });
                    }
                }
                Err(e) => {
                    // Nothing was sent: this attempt is lost, not the command.
                    last_error = Some(self.rpc_error(e));
                    continue;
                }
            }
            // Reported before the request goes out: a request that fails on
            // the way back may still have delivered it.
            on_sent(&signature);
            // A transaction is signed once per blockhash and only re-sent as
            // is until that blockhash expires, so it can land at most once;
            // a new one is signed only after the old one can no longer land.
            match self.send_once(&tx).await {
                Ok(())
                | Err(
                    ClientError::Unreachable { .. }
                    | ClientError::NoAnswer { .. }
                    | ClientError::Rpc(_),
                ) => {}
                Err(fatal) => return Err(fatal),
            }
            match self.confirm(&tx, last_valid_height).await? {
                Some(()) => {
                    return Ok(Sent {
                        signature,
                        compute_units: simulation.compute_units,
                        events: None,
                    })
                }
                None => {
                    last_error = Some(ClientError::NotConfirmed {
                        signature: signature.to_string(),
                    })
                }
            }
        }
        Err(last_error.unwrap_or_else(|| ClientError::Rpc("no attempt was made".into())))
    }

    /// [`Self::send_reporting`], also collecting the program's events from the
    /// landed transaction's logs ([`Sent::events`]). The logs come from a
    /// `logsSubscribe` opened before sending, because `getTransaction` only
    /// answers once the block is finalized. Events are `None` when the
    /// subscription could not be opened (a node without a WebSocket) or the
    /// logs did not arrive shortly after the confirmation; the transaction is
    /// sent either way.
    pub async fn send_collecting_events(
        &self,
        instructions: &[Instruction],
        extra_signers: &[&Keypair],
        on_sent: &(dyn Fn(&Signature) + Send + Sync),
    ) -> Result<Sent, ClientError> {
        let subscription =
            LogSubscription::mentioning(&self.websocket_url, &self.program_id, self.commitment)
                .await
                .ok();
        let mut sent = self
            .send_reporting(instructions, extra_signers, on_sent)
            .await?;
        if let Some(mut subscription) = subscription {
            sent.events = subscription
                .logs_of(&sent.signature, EVENTS_GRACE)
                .await
                .map(|notification| decode_logs(&self.program_id, &notification.logs));
        }
        Ok(sent)
    }

    /// An address's transactions, newest first: at most `limit` (1 to
    /// [`MAX_HISTORY_LIMIT`]), older than `before` when given, each with the
    /// staking program's events decoded. The address may be a pool, a
    /// position, an unbond ticket, an operator or a wallet: whatever the node
    /// indexes transactions by (every account a transaction names).
    ///
    /// Signatures come from `getSignaturesForAddress` and each transaction
    /// from `getTransaction`, both at `confirmed` (or `finalized` when the
    /// client's commitment is); one `getTransaction` request per listed
    /// signature, a few at a time. A transaction the node does not serve yet
    /// has no [`HistoryEntry::details`].
    pub async fn history(
        &self,
        address: &Pubkey,
        limit: usize,
        before: Option<&Signature>,
    ) -> Result<Vec<HistoryEntry>, ClientError> {
        use futures_util::{StreamExt, TryStreamExt};
        use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
        if limit == 0 || limit > MAX_HISTORY_LIMIT {
            return Err(ClientError::invalid(format!(
                "the history limit is 1 to {MAX_HISTORY_LIMIT} transactions, not {limit}"
            )));
        }
        let commitment = self.history_commitment();
        let config = GetConfirmedSignaturesForAddress2Config {
            before: before.copied(),
            until: None,
            limit: Some(limit),
            commitment: Some(commitment),
        };
        let listed = self
            .rpc
            .get_signatures_for_address_with_config(address, config)
            .await
            .map_err(|e| self.rpc_error(e))?;
        futures_util::stream::iter(listed.into_iter().take(limit))
            .map(|status| async move {
                let signature: Signature = status.signature.parse().map_err(|_| {
                    ClientError::Rpc(format!(
                        "the node listed a malformed signature {:?}",
                        status.signature
                    ))
                })?;
                let served = self.served_transaction(&signature, commitment).await?;
                let logs = match &served {
                    None => Err(Unavailable::NotYet),
                    Some((None, _)) => Err(Unavailable::NoLogs),
                    Some((Some(logs), _)) => Ok(logs.as_slice()),
                };
                let error = status.err.map(|err| {
                    transaction_error(logs.unwrap_or_default(), &TransactionError::from(err))
                        .to_string()
                });
                let block_time = status
                    .block_time
                    .or_else(|| served.as_ref().and_then(|(_, time)| *time));
                let details = logs.map(|logs| HistoryDetails {
                    invokes_program: invokes(&self.program_id, logs),
                    events: if error.is_some() {
                        Vec::new()
                    } else {
                        decode_logs(&self.program_id, logs)
                    },
                });
                Ok::<_, ClientError>(HistoryEntry {
                    signature,
                    slot: status.slot,
                    block_time,
                    error,
                    details,
                })
            })
            .buffered(4)
            .try_collect()
            .await
    }

    /// `confirmed`, or `finalized` for a client that reads at `finalized`
    /// (`getSignaturesForAddress` and `getTransaction` refuse `processed`).
    fn history_commitment(&self) -> CommitmentConfig {
        if self.commitment.is_finalized() {
            CommitmentConfig::finalized()
        } else {
            CommitmentConfig::confirmed()
        }
    }

    /// A transaction's logs (`None`: the node kept none) and block time;
    /// `None` while the node does not serve it (`getTransaction` answers
    /// null), told apart from a failed request.
    async fn served_transaction(
        &self,
        signature: &Signature,
        commitment: CommitmentConfig,
    ) -> Result<Option<(Option<Vec<String>>, Option<i64>)>, ClientError> {
        use solana_rpc_client_api::request::RpcRequest;
        use solana_transaction_status_client_types::EncodedConfirmedTransactionWithStatusMeta;
        let params = serde_json::json!([
            signature.to_string(),
            {
                "commitment": commitment.commitment,
                "encoding": "json",
                "maxSupportedTransactionVersion": 0,
            }
        ]);
        let served: Option<EncodedConfirmedTransactionWithStatusMeta> = self
            .rpc
            .send(RpcRequest::GetTransaction, params)
            .await
            .map_err(|e| self.rpc_error(e))?;
        Ok(served.map(|tx| {
            let logs = match tx.transaction.meta.map(|meta| meta.log_messages) {
                Some(OptionSerializer::Some(logs)) => Some(logs),
                _ => None,
            };
            (logs, tx.block_time)
        }))
    }

    /// The latest blockhash and the last block height it is valid for.
    pub async fn latest_blockhash(&self) -> Result<(solana_transaction::Hash, u64), ClientError> {
        self.rpc
            .get_latest_blockhash_with_commitment(self.commitment)
            .await
            .map_err(|e| self.rpc_error(e))
    }

    /// Polls the signature until it reaches the commitment (`Some`), fails
    /// (an error with the program's logs), or its blockhash expires (`None`).
    /// Sends a signed transaction without preflight (it was simulated).
    async fn send_once(&self, tx: &Transaction) -> Result<(), ClientError> {
        let config = RpcSendTransactionConfig {
            skip_preflight: true,
            ..RpcSendTransactionConfig::default()
        };
        self.rpc
            .send_transaction_with_config(tx, config)
            .await
            .map(drop)
            .map_err(|e| self.rpc_error(e))
    }

    /// Polls the transaction until it reaches the commitment (`Some`), fails
    /// (an error with the program's logs), or its blockhash expires (`None`),
    /// re-sending the same signed transaction every few polls in case the
    /// first delivery was lost.
    async fn confirm(
        &self,
        tx: &Transaction,
        last_valid_height: u64,
    ) -> Result<Option<()>, ClientError> {
        let signature = &tx.signatures[0];
        // When the node last answered anything; confirming gives up once it
        // has been silent for `unreachable_after` (each request may itself
        // take up to the RPC timeout, so the bound is checked after each).
        let mut last_answer = tokio::time::Instant::now();
        let lost = |last_answer: tokio::time::Instant| {
            (last_answer.elapsed() >= self.unreachable_after).then(|| {
                ClientError::LostWhileConfirming {
                    url: self.url.clone(),
                    signature: signature.to_string(),
                }
            })
        };
        for poll in 1u32.. {
            match self.rpc.get_signature_statuses(&[*signature]).await {
                Ok(response) => {
                    last_answer = tokio::time::Instant::now();
                    if let Some(Some(status)) = response.value.into_iter().next() {
                        if let Some(error) = status.err {
                            let logs = self.transaction_logs(signature).await;
                            return Err(transaction_error(&logs, &error));
                        }
                        if status.satisfies_commitment(self.commitment) {
                            return Ok(Some(()));
                        }
                    }
                }
                Err(_) => {
                    if let Some(error) = lost(last_answer) {
                        return Err(error);
                    }
                }
            }
            match self.rpc.get_block_height().await {
                Ok(height) => {
                    last_answer = tokio::time::Instant::now();
                    if height > last_valid_height {
                        return Ok(None);
                    }
                }
                Err(_) => {
                    if let Some(error) = lost(last_answer) {
                        return Err(error);
                    }
                }
            }
            tokio::time::sleep(POLL_INTERVAL).await;
            if poll % RESEND_EVERY_POLLS == 0 {
                let _ = self.send_once(tx).await;
            }
        }
        Ok(None)
    }

    /// The logs of a landed transaction (empty when the node cannot say).
    async fn transaction_logs(&self, signature: &Signature) -> Vec<String> {
        let config = RpcTransactionConfig {
            commitment: Some(CommitmentConfig::confirmed()),
            max_supported_transaction_version: Some(0),
            ..RpcTransactionConfig::default()
        };
        match self
            .rpc
            .get_transaction_with_config(signature, config)
            .await
        {
            Ok(tx) => match tx.transaction.meta.map(|meta| meta.log_messages) {
                Some(OptionSerializer::Some(logs)) => logs,
                _ => Vec::new(),
            },
            Err(_) => Vec::new(),
        }
    }
}

/// Whether `logs` show `program_id` running (at any depth).
fn invokes(program_id: &Pubkey, logs: &[String]) -> bool {
    let prefix = format!("Program {program_id} invoke [");
    logs.iter().any(|line| line.starts_with(&prefix))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde_json::{json, Value};
    use solana_rpc_client::rpc_client::RpcClientConfig;
    use solana_rpc_client::rpc_sender::{RpcSender, RpcTransportStats};
    use solana_rpc_client_api::client_error::Result as RpcResult;
    use solana_rpc_client_api::request::RpcRequest;

    use super::*;

    /// A node that answers the simulation and the blockhash, then (as asked)
    /// either already knows every signature or goes away once the
    /// transaction is about to be sent.
    struct FakeNode {
        knows_every_signature: bool,
        sends: Arc<AtomicUsize>,
        status_checks: AtomicUsize,
    }

    fn gone() -> solana_rpc_client_api::client_error::Error {
        std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused").into()
    }

    #[async_trait::async_trait]
    impl RpcSender for FakeNode {
        async fn send(&self, request: RpcRequest, _params: Value) -> RpcResult<Value> {
            let context = json!({ "slot": 1 });
            match request {
                RpcRequest::GetLatestBlockhash => Ok(json!({
                    "context": context,
                    "value": {
                        "blockhash": solana_transaction::Hash::new_from_array([7; 32]).to_string(),
                        "lastValidBlockHeight": 100,
                    },
                })),
                RpcRequest::SimulateTransaction => Ok(json!({
                    "context": context,
                    "value": { "err": null, "logs": [], "unitsConsumed": 1000 },
                })),
                RpcRequest::GetSignatureStatuses => {
                    let first = self.status_checks.fetch_add(1, Ordering::SeqCst) == 0;
                    if self.knows_every_signature {
                        Ok(json!({
                            "context": context,
                            "value": [{
                                "slot": 1,
                                "confirmations": null,
                                "err": null,
                                "status": { "Ok": null },
                                "confirmationStatus": "confirmed",
                            }],
                        }))
                    } else if first {
                        Ok(json!({ "context": context, "value": [null] }))
                    } else {
                        Err(gone())
                    }
                }
                RpcRequest::SendTransaction => {
                    self.sends.fetch_add(1, Ordering::SeqCst);
                    Err(gone())
                }
                _ => Err(gone()),
            }
        }

        fn get_transport_stats(&self) -> RpcTransportStats {
            RpcTransportStats::default()
        }

        fn url(&self) -> String {
            "http://fake:8899".into()
        }
    }

    fn client(knows_every_signature: bool) -> (StakingClient, Arc<AtomicUsize>) {
        let sends = Arc::new(AtomicUsize::new(0));
        let mut client = StakingClient::new(
            "http://fake:8899",
            Some(Arc::new(Keypair::new())),
            staking::ID,
            CommitmentConfig::confirmed(),
        );
        client.rpc = RpcClient::new_sender(
            FakeNode {
                knows_every_signature,
                sends: sends.clone(),
                status_checks: AtomicUsize::new(0),
            },
            RpcClientConfig::with_commitment(CommitmentConfig::confirmed()),
        );
        client.unreachable_after = Duration::from_secs(2);
        (client, sends)
    }

    fn memo() -> Instruction {
        Instruction::new_with_bytes(Pubkey::new_unique(), b"x", vec![])
    }

    #[tokio::test]
    async fn a_node_that_goes_away_after_the_send_ends_the_wait() {
        let (client, sends) = client(false);
        let started = std::time::Instant::now();
        let error = tokio::time::timeout(Duration::from_secs(30), client.send(&[memo()]))
            .await
            .expect("the send gives up instead of hanging")
            .unwrap_err();
        assert!(started.elapsed() >= Duration::from_secs(2));
        assert!(sends.load(Ordering::SeqCst) >= 1);
        let ClientError::LostWhileConfirming { signature, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(
            error.to_string(),
            format!(
                "cannot reach the cluster at http://fake:8899 while confirming: transaction {signature} may have landed; check with solana confirm -u http://fake:8899 {signature}"
            )
        );
    }

    #[tokio::test]
    async fn a_transaction_the_node_already_knows_is_not_sent_again() {
        let (client, sends) = client(true);
        let error = client.send(&[memo()]).await.unwrap_err();
        assert_eq!(sends.load(Ordering::SeqCst), 0);
        let ClientError::AlreadySent { signature } = &error else {
            panic!("{error}");
        };
        assert_eq!(
            error.to_string(),
            format!("this exact transaction ({signature}) was already sent, by another invocation or an earlier attempt: nothing new was sent")
        );
    }

    #[tokio::test]
    async fn a_node_that_never_answers_is_a_timeout_not_a_failed_send() {
        // The kernel accepts the connection; nobody ever answers it.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mut client = StakingClient::new(&url, None, staking::ID, CommitmentConfig::confirmed());
        client.rpc = RpcClient::new_with_timeout(url.clone(), Duration::from_millis(300));
        let error = client.raw_account(&Pubkey::new_unique()).await.unwrap_err();
        assert!(matches!(error, ClientError::NoAnswer { .. }), "{error}");
        assert_eq!(
            error.to_string(),
            format!(
                "no answer within 30 s from {url} (the validator may be stalled or overloaded)"
            )
        );
        drop(listener);
        // Nothing listens there any more.
        let error = client.raw_account(&Pubkey::new_unique()).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("cannot reach the cluster at {url}: connection refused (is a validator running there?)")
        );
    }

    /// A node with three transactions for an address: a staking one it
    /// serves, a failed one it serves, and a newer one it does not serve yet.
    struct HistoryNode {
        signatures: [Signature; 3],
        transaction_requests: Arc<AtomicUsize>,
    }

    fn staked_log_line() -> String {
        use anchor_lang::{AnchorSerialize, Discriminator};
        use base64::Engine;
        let event = staking::events::Staked {
            pool: Pubkey::new_from_array([1; 32]),
            owner: Pubkey::new_from_array([2; 32]),
            amount: 12_500_000,
            position_staked: 12_500_000,
            pool_staked: 100_000_000,
        };
        let mut bytes = staking::events::Staked::DISCRIMINATOR.to_vec();
        event.serialize(&mut bytes).unwrap();
        format!(
            "Program data: {}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    #[async_trait::async_trait]
    impl RpcSender for HistoryNode {
        async fn send(&self, request: RpcRequest, params: Value) -> RpcResult<Value> {
            let [unserved, failed, staked] = self.signatures.map(|s| s.to_string());
            match request {
                RpcRequest::GetSignaturesForAddress => {
                    assert_eq!(params[1]["commitment"], "confirmed");
                    let limit = params[1]["limit"].as_u64().unwrap() as usize;
                    let all = [
                        json!({"signature": unserved, "slot": 12, "err": null, "memo": null,
                            "blockTime": null, "confirmationStatus": "confirmed"}),
                        json!({"signature": failed, "slot": 11,
                            "err": {"InstructionError": [0, {"Custom": 6013}]}, "memo": null,
                            "blockTime": 1_700_000_001, "confirmationStatus": "confirmed"}),
                        json!({"signature": staked, "slot": 10, "err": null, "memo": null,
                            "blockTime": 1_700_000_000, "confirmationStatus": "finalized"}),
                    ];
                    Ok(Value::Array(all.into_iter().take(limit).collect()))
                }
                RpcRequest::GetTransaction => {
                    self.transaction_requests.fetch_add(1, Ordering::SeqCst);
                    assert_eq!(params[1]["commitment"], "confirmed");
                    let id = staking::ID;
                    let logs = if params[0] == unserved.as_str() {
                        return Ok(Value::Null);
                    } else if params[0] == failed.as_str() {
                        vec![
                            format!("Program {id} invoke [1]"),
                            staked_log_line(),
                            format!("Program {id} failed: custom program error: 0x177d"),
                        ]
                    } else {
                        vec![
                            format!("Program {id} invoke [1]"),
                            staked_log_line(),
                            format!("Program {id} success"),
                        ]
                    };
                    Ok(json!({
                        "slot": 10,
                        "blockTime": 1_700_000_000,
                        "transaction": {
                            "signatures": [staked],
                            "message": {
                                "header": {"numRequiredSignatures": 1, "numReadonlySignedAccounts": 0,
                                    "numReadonlyUnsignedAccounts": 0},
                                "accountKeys": [], "recentBlockhash": "11111111111111111111111111111111",
                                "instructions": [],
                            },
                        },
                        "meta": {"err": null, "status": {"Ok": null}, "fee": 5000,
                            "preBalances": [], "postBalances": [], "logMessages": logs},
                    }))
                }
                _ => Err(gone()),
            }
        }

        fn get_transport_stats(&self) -> RpcTransportStats {
            RpcTransportStats::default()
        }

        fn url(&self) -> String {
            "http://fake:8899".into()
        }
    }

    #[tokio::test]
    async fn history_decodes_each_listed_transaction_and_says_which_are_not_served() {
        let signatures = [
            Signature::from([3; 64]),
            Signature::from([4; 64]),
            Signature::from([5; 64]),
        ];
        let transaction_requests = Arc::new(AtomicUsize::new(0));
        let mut client = StakingClient::new(
            "http://fake:8899",
            None,
            staking::ID,
            CommitmentConfig::processed(),
        );
        client.rpc = RpcClient::new_sender(
            HistoryNode {
                signatures,
                transaction_requests: transaction_requests.clone(),
            },
            RpcClientConfig::with_commitment(CommitmentConfig::processed()),
        );
        let address = Pubkey::new_unique();
        let history = client.history(&address, 10, None).await.unwrap();
        assert_eq!(transaction_requests.load(Ordering::SeqCst), 3);
        let signatures_listed: Vec<_> = history.iter().map(|entry| entry.signature).collect();
        assert_eq!(signatures_listed, signatures, "newest first, as listed");
        assert_eq!(history[0].details, Err(Unavailable::NotYet));
        assert_eq!(history[0].error, None);
        // A failed transaction: its logged events did not happen.
        let failed = history[1].details.as_ref().unwrap();
        assert!(failed.invokes_program && failed.events.is_empty());
        assert!(
            history[1]
                .error
                .as_deref()
                .unwrap()
                .contains("TicketLocked"),
            "{:?}",
            history[1].error
        );
        let staked = history[2].details.as_ref().unwrap();
        assert_eq!(staked.events.len(), 1);
        assert_eq!(staked.events[0].name, "Staked");
        assert_eq!(staked.events[0].u64("amount"), Some(12_500_000));
        assert_eq!(history[2].block_time, Some(1_700_000_000));

        // The limit bounds the getTransaction requests.
        let one = client.history(&address, 1, None).await.unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(transaction_requests.load(Ordering::SeqCst), 4);
        for limit in [0, MAX_HISTORY_LIMIT + 1] {
            let error = client.history(&address, limit, None).await.unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("the history limit is 1 to 100 transactions, not {limit}")
            );
        }
    }
}
