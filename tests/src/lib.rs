//! A small harness over LiteSVM for the staking program's SBF bytecode:
//! send instructions built by `staking-client`, move the clock, read balances
//! and decoded accounts, and assert on program errors by name.
// The harness returns LiteSVM's own `TransactionResult`, whose error carries the logs.
#![allow(clippy::result_large_err)]
pub mod scenario;
pub use scenario::TestPool;
use std::path::PathBuf;

use anchor_lang::prelude::{Clock, Pubkey};
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::system_instruction;
use anchor_lang::AccountDeserialize;
use anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account;
use anchor_spl::token_2022::spl_token_2022::{
    self,
    extension::{default_account_state, pausable, transfer_fee, transfer_hook, ExtensionType},
    instruction as token_ix,
    state::{AccountState, Mint},
};
use anchor_spl::token_interface::TokenAccount;
use litesvm::types::{FailedTransactionMetadata, TransactionMetadata};
use litesvm::LiteSVM;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

pub use solana_instruction_error::InstructionError;
pub use staking::errors::StakingError;
pub use staking::token::AcceptedMintAuthorities;

/// Accepts a mint's freeze authority only.
pub const ACCEPT_FREEZE: AcceptedMintAuthorities = AcceptedMintAuthorities {
    freeze: true,
    transfer_fee: false,
};

/// Accepts every mint authority the program offers to accept.
pub const ACCEPT_ALL: AcceptedMintAuthorities = AcceptedMintAuthorities {
    freeze: true,
    transfer_fee: true,
};

pub const SPL_TOKEN: Pubkey = anchor_spl::token::ID;
pub const TOKEN_2022: Pubkey = spl_token_2022::ID;
/// A realistic starting time (2025-01-01), so no timestamp is near zero.
pub const GENESIS_TIME: i64 = 1_735_689_600;
pub const DAY: i64 = 86_400;

pub type TxResult = Result<TransactionMetadata, FailedTransactionMetadata>;

/// The `.so` the tests run: `target/deploy/staking.so`, written by
/// `scripts/build-sbf.sh` (override with `STAKING_SO`).
pub fn program_path() -> PathBuf {
    std::env::var_os("STAKING_SO")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/deploy/staking.so")
        })
}

/// Token-2022 extensions a test mint can carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MintExtension {
    /// A fixed fee in basis points (no maximum below `u64::MAX`): no fee
    /// authority, so nobody can change it; accepted without an opt-in.
    TransferFee(u16),
    /// A fee in basis points whose authority (the harness payer) can change
    /// it: accepted only with `AcceptedMintAuthorities::transfer_fee`.
    TransferFeeWithAuthority(u16),
    PermanentDelegate,
    TransferHook,
    NonTransferable,
    DefaultFrozen,
    Pausable,
    /// A close authority that is set (the harness payer): refused by the
    /// program, since a closed mint can be re-created with other extensions.
    MintCloseAuthority,
    /// The close-authority extension with no authority: the mint can never be
    /// closed, so it is accepted.
    MintCloseAuthorityWithoutAuthority,
}

impl MintExtension {
    fn extension_type(self) -> ExtensionType {
        match self {
            MintExtension::TransferFee(_) | MintExtension::TransferFeeWithAuthority(_) => {
                ExtensionType::TransferFeeConfig
            }
            MintExtension::PermanentDelegate => ExtensionType::PermanentDelegate,
            MintExtension::TransferHook => ExtensionType::TransferHook,
            MintExtension::NonTransferable => ExtensionType::NonTransferable,
            MintExtension::DefaultFrozen => ExtensionType::DefaultAccountState,
            MintExtension::Pausable => ExtensionType::Pausable,
            MintExtension::MintCloseAuthority
            | MintExtension::MintCloseAuthorityWithoutAuthority => {
                ExtensionType::MintCloseAuthority
            }
        }
    }
}

/// Which program answers at SPL Token's id. Mainnet runs p-token there since
/// the `replace_spl_token_with_p_token` feature; LiteSVM ships both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplTokenImplementation {
    /// p-token (`pinocchio_token_program.so`), what mainnet runs.
    PToken,
    /// The original SPL Token program (`spl_token-3.5.0.so`).
    Legacy,
}

pub struct TestEnv {
    pub svm: LiteSVM,
    /// Pays fees and is the authority of every mint the harness creates.
    pub payer: Keypair,
    /// `Some(n)`: keys come from a counter, so PDA bump searches, and with them
    /// compute units, repeat exactly from run to run.
    key_counter: Option<u64>,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    pub fn new() -> Self {
        Self::build(LiteSVM::new(), None)
    }

    /// An environment whose keys repeat exactly from run to run, with the given
    /// SPL Token implementation: what the compute-unit benchmark measures in.
    pub fn deterministic(spl_token: SplTokenImplementation) -> Self {
        let mut features = LiteSVM::mainnet_feature_set();
        if spl_token == SplTokenImplementation::Legacy {
            features.deactivate(&agave_feature_set::replace_spl_token_with_p_token::id());
        }
        // LiteSVM::new()'s steps, with this feature set.
        let svm = LiteSVM::default()
            .with_feature_set(features)
            .with_builtins()
            .with_lamports(1_000_000_000_000_000)
            .with_sysvars()
            .with_feature_accounts()
            .with_default_programs()
            .with_sigverify(true)
            .with_blockhash_check(true);
        Self::build(svm, Some(0))
    }

    fn build(mut svm: LiteSVM, key_counter: Option<u64>) -> Self {
        let path = program_path();
        svm.add_program_from_file(staking::ID, &path)
            .unwrap_or_else(|e| {
                panic!(
                    "cannot load {}: {e}. Build it first with scripts/build-sbf.sh",
                    path.display()
                )
            });
        let mut env = TestEnv {
            svm,
            payer: Keypair::new(),
            key_counter,
        };
        env.payer = env.new_keypair();
        env.svm
            .airdrop(&env.payer.pubkey(), 1_000_000_000_000)
            .expect("airdrop");
        env.set_time(GENESIS_TIME);
        env
    }

    /// A fresh keypair: random, or the next in the deterministic sequence.
    pub fn new_keypair(&mut self) -> Keypair {
        match &mut self.key_counter {
            None => Keypair::new(),
            Some(counter) => {
                *counter += 1;
                let mut secret = [7u8; 32];
                secret[..8].copy_from_slice(&counter.to_le_bytes());
                Keypair::new_from_array(secret)
            }
        }
    }

    /// A funded keypair.
    pub fn new_user(&mut self) -> Keypair {
        let user = self.new_keypair();
        self.svm
            .airdrop(&user.pubkey(), 100_000_000_000)
            .expect("airdrop");
        user
    }

    /// Sends one transaction paid by the harness payer; `signers` are the
    /// other signers it needs. Every call gets a fresh blockhash, so identical
    /// instructions can be sent twice.
    pub fn send(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> TxResult {
        let mut all: Vec<&Keypair> = vec![&self.payer];
        all.extend(
            signers
                .iter()
                .copied()
                .filter(|s| s.pubkey() != self.payer.pubkey()),
        );
        let tx = Transaction::new_signed_with_payer(
            instructions,
            Some(&self.payer.pubkey()),
            &all,
            self.svm.latest_blockhash(),
        );
        let result = self.svm.send_transaction(tx);
        self.svm.expire_blockhash();
        result
    }

    /// Sends and panics with the program logs if the transaction fails.
    pub fn send_ok(
        &mut self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> TransactionMetadata {
        ok(self.send(instructions, signers))
    }

    pub fn now(&self) -> i64 {
        self.svm.get_sysvar::<Clock>().unix_timestamp
    }

    pub fn set_time(&mut self, unix_timestamp: i64) {
        let mut clock: Clock = self.svm.get_sysvar();
        clock.unix_timestamp = unix_timestamp;
        clock.slot += 1;
        self.svm.set_sysvar(&clock);
    }

    /// Moves the clock forward by `seconds`.
    pub fn warp(&mut self, seconds: i64) {
        let now = self.now();
        self.set_time(now + seconds);
    }

    pub fn create_mint(&mut self, token_program: Pubkey, decimals: u8) -> Pubkey {
        self.create_mint_with(token_program, decimals, &[])
    }

    /// A mint under `token_program` (Token-2022 when `extensions` is not empty),
    /// with no freeze authority (the program refuses one unless it is accepted
    /// explicitly: see [`Self::create_mint_with_freeze_authority`]).
    pub fn create_mint_with(
        &mut self,
        token_program: Pubkey,
        decimals: u8,
        extensions: &[MintExtension],
    ) -> Pubkey {
        self.create_mint_full(token_program, decimals, extensions, false)
    }

    /// A mint whose freeze authority is the harness payer (the authority of
    /// every mint the harness creates): it can freeze any of the mint's token
    /// accounts, vaults included ([`Self::freeze`]).
    pub fn create_mint_with_freeze_authority(
        &mut self,
        token_program: Pubkey,
        decimals: u8,
        extensions: &[MintExtension],
    ) -> Pubkey {
        self.create_mint_full(token_program, decimals, extensions, true)
    }

    /// A mint with the given extensions and, if `freeze_authority`, the payer
    /// as its freeze authority (always with `DefaultFrozen`, which needs one).
    pub fn create_mint_full(
        &mut self,
        token_program: Pubkey,
        decimals: u8,
        extensions: &[MintExtension],
        freeze_authority: bool,
    ) -> Pubkey {
        let freeze_authority =
            freeze_authority || extensions.contains(&MintExtension::DefaultFrozen);
        let mint = self.new_keypair();
        let authority = self.payer.pubkey();
        let types: Vec<ExtensionType> = extensions.iter().map(|e| e.extension_type()).collect();
        let space = ExtensionType::try_calculate_account_len::<Mint>(&types).expect("mint size");
        let mut ixs = vec![system_instruction::create_account(
            &authority,
            &mint.pubkey(),
            self.svm.minimum_balance_for_rent_exemption(space),
            space as u64,
            &token_program,
        )];
        for extension in extensions {
            let mint = &mint.pubkey();
            ixs.push(
                match extension {
                    MintExtension::TransferFee(bps) => {
                        transfer_fee::instruction::initialize_transfer_fee_config(
                            &token_program,
                            mint,
                            None,
                            Some(&authority),
                            *bps,
                            u64::MAX,
                        )
                    }
                    MintExtension::TransferFeeWithAuthority(bps) => {
                        transfer_fee::instruction::initialize_transfer_fee_config(
                            &token_program,
                            mint,
                            Some(&authority),
                            Some(&authority),
                            *bps,
                            u64::MAX,
                        )
                    }
                    MintExtension::PermanentDelegate => {
                        token_ix::initialize_permanent_delegate(&token_program, mint, &authority)
                    }
                    MintExtension::TransferHook => transfer_hook::instruction::initialize(
                        &token_program,
                        mint,
                        Some(authority),
                        Some(Pubkey::new_unique()),
                    ),
                    MintExtension::NonTransferable => {
                        token_ix::initialize_non_transferable_mint(&token_program, mint)
                    }
                    MintExtension::DefaultFrozen => {
                        default_account_state::instruction::initialize_default_account_state(
                            &token_program,
                            mint,
                            &AccountState::Frozen,
                        )
                    }
                    MintExtension::Pausable => {
                        pausable::instruction::initialize(&token_program, mint, &authority)
                    }
                    MintExtension::MintCloseAuthority => token_ix::initialize_mint_close_authority(
                        &token_program,
                        mint,
                        Some(&authority),
                    ),
                    MintExtension::MintCloseAuthorityWithoutAuthority => {
                        token_ix::initialize_mint_close_authority(&token_program, mint, None)
                    }
                }
                .expect("extension instruction"),
            );
        }
        ixs.push(
            token_ix::initialize_mint2(
                &token_program,
                &mint.pubkey(),
                &authority,
                freeze_authority.then_some(&authority),
                decimals,
            )
            .expect("initialize_mint2"),
        );
        self.send_ok(&ixs, &[&mint]);
        mint.pubkey()
    }

    /// The owner's associated token account for `mint`, created if missing.
    pub fn token_account(&mut self, owner: &Pubkey, mint: &Pubkey) -> Pubkey {
        let token_program = self.owner_program(mint);
        let address = staking_client::pda::token_account(owner, mint, &token_program);
        if self.svm.get_account(&address).is_none() {
            let ix =
                create_associated_token_account(&self.payer.pubkey(), owner, mint, &token_program);
            self.send_ok(&[ix], &[]);
        }
        address
    }

    /// Mints `amount` to the owner's associated token account and returns it.
    pub fn fund_user(&mut self, owner: &Pubkey, mint: &Pubkey, amount: u64) -> Pubkey {
        let account = self.token_account(owner, mint);
        let token_program = self.owner_program(mint);
        let decimals = self.mint_decimals(mint);
        let ix = token_ix::mint_to_checked(
            &token_program,
            mint,
            &account,
            &self.payer.pubkey(),
            &[],
            amount,
            decimals,
        )
        .expect("mint_to");
        self.send_ok(&[ix], &[]);
        account
    }

    /// Freezes a token account (its mint's freeze authority is the payer).
    pub fn freeze(&mut self, mint: &Pubkey, account: &Pubkey) {
        let token_program = self.owner_program(mint);
        let ix = token_ix::freeze_account(&token_program, account, mint, &self.payer.pubkey(), &[])
            .expect("freeze_account");
        self.send_ok(&[ix], &[]);
    }

    /// Thaws a token account frozen by [`Self::freeze`].
    pub fn thaw(&mut self, mint: &Pubkey, account: &Pubkey) {
        let token_program = self.owner_program(mint);
        let ix = token_ix::thaw_account(&token_program, account, mint, &self.payer.pubkey(), &[])
            .expect("thaw_account");
        self.send_ok(&[ix], &[]);
    }

    /// The program that owns `address`.
    pub fn owner_program(&self, address: &Pubkey) -> Pubkey {
        self.svm
            .get_account(address)
            .unwrap_or_else(|| panic!("account {address} does not exist"))
            .owner
    }

    pub fn mint_decimals(&self, mint: &Pubkey) -> u8 {
        let data = self.svm.get_account(mint).expect("mint").data;
        data[44]
    }

    /// A token account's balance.
    pub fn balance(&self, token_account: &Pubkey) -> u64 {
        self.account::<TokenAccount>(token_account).amount
    }

    pub fn exists(&self, address: &Pubkey) -> bool {
        self.svm
            .get_account(address)
            .is_some_and(|account| account.lamports > 0)
    }

    pub fn lamports(&self, address: &Pubkey) -> u64 {
        self.svm.get_balance(address).unwrap_or(0)
    }

    /// An account decoded with its Anchor (or token) type.
    pub fn account<T: AccountDeserialize>(&self, address: &Pubkey) -> T {
        let account = self
            .svm
            .get_account(address)
            .unwrap_or_else(|| panic!("account {address} does not exist"));
        T::try_deserialize(&mut account.data.as_slice())
            .unwrap_or_else(|e| panic!("account {address} does not decode: {e}"))
    }

    /// Raw account data, for asserting that a failed transaction changed nothing.
    pub fn data(&self, address: &Pubkey) -> Vec<u8> {
        self.svm
            .get_account(address)
            .map(|a| a.data)
            .unwrap_or_default()
    }
}

/// The custom error code a transaction failed with, if any.
pub fn custom_error(result: &TxResult) -> Option<u32> {
    match result {
        Err(FailedTransactionMetadata {
            err: TransactionError::InstructionError(_, InstructionError::Custom(code)),
            ..
        }) => Some(*code),
        _ => None,
    }
}

/// Asserts a transaction failed with the given staking program error.
#[track_caller]
pub fn assert_staking_error(result: TxResult, expected: StakingError) {
    let code = expected as u32 + anchor_lang::error::ERROR_CODE_OFFSET;
    assert_error_code(&result, code, &format!("{expected:?}"));
}

/// Asserts a transaction failed with the given Anchor framework error.
#[track_caller]
pub fn assert_anchor_error(result: TxResult, expected: anchor_lang::error::ErrorCode) {
    assert_error_code(&result, expected as u32, &format!("{expected:?}"));
}

#[track_caller]
fn assert_error_code(result: &TxResult, code: u32, name: &str) {
    match result {
        Ok(meta) => panic!(
            "expected {name}, but the transaction succeeded:\n{}",
            meta.logs.join("\n")
        ),
        Err(failure) => assert_eq!(
            custom_error(result),
            Some(code),
            "expected {name} ({code}), got {:?}\n{}",
            failure.err,
            failure.meta.logs.join("\n")
        ),
    }
}

/// Asserts a transaction failed, whatever the reason (for failures raised by
/// the runtime or the token program rather than this program).
#[track_caller]
pub fn assert_fails(result: TxResult) -> FailedTransactionMetadata {
    match result {
        Ok(meta) => panic!(
            "expected a failure, but the transaction succeeded:\n{}",
            meta.logs.join("\n")
        ),
        Err(failure) => failure,
    }
}

/// Replaces every occurrence of `from` in an instruction's accounts with `to`:
/// the way the attack tests substitute accounts.
pub fn substitute(mut ix: Instruction, from: &Pubkey, to: &Pubkey) -> Instruction {
    for meta in &mut ix.accounts {
        if meta.pubkey == *from {
            meta.pubkey = *to;
        }
    }
    ix
}

/// Clears the signer flag of `who` in an instruction's accounts.
pub fn unsigned(mut ix: Instruction, who: &Pubkey) -> Instruction {
    for meta in &mut ix.accounts {
        if meta.pubkey == *who {
            meta.is_signer = false;
        }
    }
    ix
}

/// Unwraps a successful transaction, panicking with its logs otherwise.
#[track_caller]
pub fn ok(result: TxResult) -> TransactionMetadata {
    match result {
        Ok(meta) => meta,
        Err(failure) => panic!(
            "transaction failed: {:?}\n{}",
            failure.err,
            failure.meta.logs.join("\n")
        ),
    }
}
