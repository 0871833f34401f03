//! Client errors. Every variant prints as one line that names what failed:
//! the program error (Anchor name, number, message, account), the account, the
//! input, the file or the cluster.
use anchor_lang::prelude::Pubkey;
use solana_rpc_client_api::client_error::{Error as RpcClientError, ErrorKind as RpcErrorKind};
use solana_rpc_client_api::request::{RpcError, RpcResponseErrorData};
use solana_transaction_error::TransactionError;
use thiserror::Error;

use solana_instruction_error::InstructionError;

/// How long one RPC request may take before it counts as unanswered.
pub const RPC_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(Debug, Error)]
pub enum ClientError {
    #[error("cannot reach the cluster at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("no answer within {} s from {url} (the validator may be stalled or overloaded)", RPC_TIMEOUT.as_secs())]
    NoAnswer { url: String },
    #[error("RPC error: {0}")]
    Rpc(String),
    #[error("{0}")]
    Program(ProgramError),
    #[error("transaction failed: {0}")]
    Transaction(String),
    #[error("{what} {address} does not exist")]
    AccountNotFound { what: &'static str, address: Pubkey },
    #[error("{what} {address} is owned by {owner}, expected {expected}")]
    WrongOwner {
        what: &'static str,
        address: Pubkey,
        owner: Pubkey,
        expected: Pubkey,
    },
    #[error("{address} is not {} {what} account", article(what))]
    WrongAccountType { what: &'static str, address: Pubkey },
    /// The account is something recognizable, but not what was asked for:
    /// `<X> is a wallet (system account), not a pool`.
    #[error("{address} is {is}, not {} {what}", article(what))]
    NotA {
        address: Pubkey,
        /// What it is, with its article: `a token mint`.
        is: &'static str,
        what: &'static str,
    },
    #[error("pool {pool} has no reward stream {index} (it has {count})")]
    NoSuchStream { pool: Pubkey, index: u8, count: u8 },
    #[error("{0}")]
    InvalidInput(String),
    #[error("cannot read keypair {path}: {reason}")]
    Keypair { path: String, reason: String },
    #[error("cannot read config {path}: {reason}")]
    Config { path: String, reason: String },
    #[error("reward math out of bounds for this account")]
    Math,
    #[error("transaction {signature} was not confirmed before its blockhash expired")]
    NotConfirmed { signature: String },
    #[error("cannot reach the cluster at {url} while confirming: transaction {signature} may have landed; check with solana confirm -u {url} {signature}")]
    LostWhileConfirming { url: String, signature: String },
    #[error("this exact transaction ({signature}) was already sent, by another invocation or an earlier attempt: nothing new was sent")]
    AlreadySent { signature: String },
}

/// `a` or `an` before a word (`an operator`, `an unbond ticket`, `a pool`).
pub fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u' | 'A' | 'E' | 'I' | 'O' | 'U') => "an",
        _ => "a",
    }
}

impl ClientError {
    pub fn invalid(message: impl Into<String>) -> Self {
        ClientError::InvalidInput(message.into())
    }
}

impl From<staking::math::MathError> for ClientError {
    fn from(_: staking::math::MathError) -> Self {
        ClientError::Math
    }
}

/// An error raised by a program inside a transaction, as its logs name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramError {
    /// Index of the failing instruction in the transaction.
    pub instruction: Option<u8>,
    /// The error number (Anchor: 2000+ framework, 6000+ the program's own).
    pub code: Option<u32>,
    /// Anchor's error name, e.g. `TicketLocked`.
    pub name: Option<String>,
    pub message: String,
    /// The account Anchor blamed, e.g. `position`.
    pub account: Option<String>,
}

impl std::fmt::Display for ProgramError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.name, self.code) {
            (Some(name), Some(code)) => {
                write!(f, "program error {name} ({code}): {}", self.message)?
            }
            (None, Some(_)) => write!(f, "{}", self.message)?,
            _ => write!(f, "program error: {}", self.message)?,
        }
        if let Some(account) = &self.account {
            write!(f, " [account: {account}]")?;
        }
        if let Some(hint) = self.name.as_deref().and_then(hint) {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

/// What to do about a staking program error, where the program's own message
/// does not say it.
fn hint(name: &str) -> Option<&'static str> {
    Some(match name {
        "MintHasFreezeAuthority" => {
            "pass --accept-freeze-authority to accept the mint's freeze authority as a trust assumption"
        }
        "MintHasCloseAuthority" => "use a mint without a close authority",
        "NotPoolAuthority" => "sign with the pool authority's keypair (-k)",
        "NotOperatorAuthority" => "sign with the operator authority's keypair (-k)",
        "NotPositionOwner" => "sign with the position owner's keypair (-k)",
        "NotTicketOwner" => "sign with the ticket owner's keypair (-k)",
        "PoolMismatch" => "check the pool address: the account is another pool's",
        "TicketPositionMismatch" => "the ticket was opened by another position",
        "InvalidStakeMint" | "InvalidStakeVault" => {
            "pass the pool's own stake mint and vault (read them with `staking pool`)"
        }
        _ => return None,
    })
}

/// Finds the program error in a transaction's logs (Anchor's `AnchorError …`
/// line, or a program's `custom program error: 0x…`), with the transaction
/// error for the instruction index and the code when logs are missing.
pub fn decode_program_error(
    logs: &[String],
    error: Option<&TransactionError>,
) -> Option<ProgramError> {
    let (instruction, code) = match error {
        Some(TransactionError::InstructionError(index, InstructionError::Custom(code))) => {
            (Some(*index), Some(*code))
        }
        Some(TransactionError::InstructionError(index, _)) => (Some(*index), None),
        _ => (None, None),
    };
    if let Some(line) = logs.iter().rev().find(|line| line.contains("AnchorError")) {
        return Some(parse_anchor_log(line, instruction));
    }
    if let Some(code) = code {
        if let Some((name, message)) = staking_error(code) {
            return Some(ProgramError {
                instruction,
                code: Some(code),
                name: Some(name),
                message,
                account: None,
            });
        }
        return Some(ProgramError {
            instruction,
            code: Some(code),
            name: None,
            message: custom_error_message(logs, code),
            account: None,
        });
    }
    match error {
        Some(TransactionError::InstructionError(index, other)) => Some(ProgramError {
            instruction: Some(*index),
            code: None,
            name: None,
            message: other.to_string(),
            account: None,
        }),
        _ => None,
    }
}

/// The staking program's error name and message for a code, from its IDL
/// (CI checks the committed IDL against the program), for failures that come
/// without logs.
pub fn staking_error(code: u32) -> Option<(String, String)> {
    static IDL: &str = include_str!("../../idl/staking.json");
    let idl: serde_json::Value = serde_json::from_str(IDL).ok()?;
    idl["errors"]
        .as_array()?
        .iter()
        .find(|e| e["code"] == code)
        .map(|e| {
            (
                e["name"].as_str().unwrap_or_default().to_string(),
                e["msg"].as_str().unwrap_or_default().to_string(),
            )
        })
}

/// `Program log: AnchorError [caused by account: A.] Error Code: N. Error Number: C. Error Message: M.`
fn parse_anchor_log(line: &str, instruction: Option<u8>) -> ProgramError {
    let field = |label: &str| -> Option<String> {
        let start = line.find(label)? + label.len();
        let rest = &line[start..];
        let end = rest.find(". ").unwrap_or(rest.len());
        Some(rest[..end].trim().trim_end_matches('.').to_string())
    };
    ProgramError {
        instruction,
        code: field("Error Number:").and_then(|n| n.parse().ok()),
        name: field("Error Code:"),
        message: field("Error Message:").unwrap_or_else(|| line.to_string()),
        account: field("caused by account:"),
    }
}

/// A message for a non-Anchor program's custom error. The program that
/// raised it is the first to fail in the logs (a CPI's failure is then
/// repeated by every caller up the stack): a token program's errors are named
/// as the token program names them.
fn custom_error_message(logs: &[String], code: u32) -> String {
    let failing = logs
        .iter()
        .find(|line| line.contains("failed: custom program error"))
        .and_then(|line| line.split_whitespace().nth(1))
        .unwrap_or("unknown");
    if failing == anchor_spl::token::ID.to_string()
        || failing == anchor_spl::token_2022::ID.to_string()
    {
        use anchor_spl::token_2022::spl_token_2022::error::TokenError;
        if let Ok(error) = TokenError::try_from(code) {
            return format!("the token program refused: {error} ({error:?}, code {code})");
        }
        return format!("the token program refused with code {code}");
    }
    format!("custom program error (program {failing}, code {code:#x})")
}

/// Turns an RPC client error into a one-line client error: connection
/// failures name the URL; preflight failures become program errors.
pub fn from_rpc(url: &str, error: RpcClientError) -> ClientError {
    match error.kind() {
        RpcErrorKind::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => ClientError::NoAnswer {
            url: url.to_string(),
        },
        RpcErrorKind::Io(e) => ClientError::Unreachable {
            url: url.to_string(),
            reason: e.to_string(),
        },
        // A timeout first: a request that timed out is also one whose
        // "sending" failed, and reqwest can flag both.
        RpcErrorKind::Reqwest(e) if e.is_timeout() => ClientError::NoAnswer {
            url: url.to_string(),
        },
        RpcErrorKind::Reqwest(e) if e.is_connect() => ClientError::Unreachable {
            url: url.to_string(),
            reason: "connection refused (is a validator running there?)".to_string(),
        },
        RpcErrorKind::RpcError(RpcError::RpcResponseError {
            data: RpcResponseErrorData::SendTransactionPreflightFailure(result),
            message,
            ..
        }) => {
            let error = result.err.clone().map(TransactionError::from);
            let logs = result.logs.clone().unwrap_or_default();
            decode_program_error(&logs, error.as_ref())
                .map(ClientError::Program)
                .unwrap_or_else(|| ClientError::Transaction(message.clone()))
        }
        RpcErrorKind::TransactionError(e) => transaction_error(&[], e),
        // Some calls fold the transport failure into a message of their own.
        _ => {
            let text = error.to_string();
            let unreachable = |reason: String| ClientError::Unreachable {
                url: url.to_string(),
                reason,
            };
            if let Some(at) = text.find("HTTP status") {
                let status = text[at..].split(" for url").next().unwrap_or(&text[at..]);
                let code = status
                    .split('(')
                    .nth(1)
                    .and_then(|rest| rest.get(..3))
                    .unwrap_or_default();
                unreachable(match code {
                    "429" => format!(
                        "the server is rate limiting requests ({status}): retry later, or use your own RPC URL"
                    ),
                    "500" | "502" | "503" | "504" => {
                        format!("the server failed ({status}): retry later")
                    }
                    _ => format!(
                        "the server answered with {status}: it is not a Solana JSON-RPC endpoint"
                    ),
                })
            } else if text.contains("timed out") {
                ClientError::NoAnswer {
                    url: url.to_string(),
                }
            } else if text.contains("error sending request") {
                unreachable(
                    "the request could not be sent (is a validator running there?)".to_string(),
                )
            } else if text.contains("error decoding response body")
                || text.contains("expected value")
            {
                unreachable(
                    "the answer is not JSON-RPC: it is not a Solana RPC endpoint".to_string(),
                )
            } else {
                ClientError::Rpc(text.lines().next().unwrap_or_default().to_string())
            }
        }
    }
}

/// A failed transaction's error, decoded with its logs where they exist.
pub fn transaction_error(logs: &[String], error: &TransactionError) -> ClientError {
    match decode_program_error(logs, Some(error)) {
        Some(program) => ClientError::Program(program),
        None => ClientError::Transaction(match error {
            TransactionError::InsufficientFundsForFee => {
                "the fee payer has too few SOL for the fee".to_string()
            }
            TransactionError::InsufficientFundsForRent { account_index } => {
                format!("account {account_index} would be left below rent exemption")
            }
            TransactionError::ProgramAccountNotFound => {
                "the program is not deployed at the given program id".to_string()
            }
            TransactionError::AccountNotFound => {
                "the fee payer account does not exist (fund it first)".to_string()
            }
            other => other.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logs(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn anchor_errors_are_named_with_their_account() {
        let logs = logs(&[
            "Program HXxv invoke [1]",
            "Program log: Instruction: Withdraw",
            "Program log: AnchorError caused by account: ticket. Error Code: ConstraintSeeds. Error Number: 2006. Error Message: A seeds constraint was violated.",
        ]);
        let error = TransactionError::InstructionError(1, InstructionError::Custom(2006));
        let decoded = decode_program_error(&logs, Some(&error)).unwrap();
        assert_eq!(decoded.instruction, Some(1));
        assert_eq!(decoded.code, Some(2006));
        assert_eq!(decoded.name.as_deref(), Some("ConstraintSeeds"));
        assert_eq!(decoded.account.as_deref(), Some("ticket"));
        assert_eq!(
            decoded.to_string(),
            "program error ConstraintSeeds (2006): A seeds constraint was violated [account: ticket]"
        );
    }

    #[test]
    fn ownership_errors_name_the_account_and_what_to_do() {
        let logs = logs(&[
            "Program log: AnchorError caused by account: ticket. Error Code: NotTicketOwner. Error Number: 6049. Error Message: The unbond ticket belongs to another owner.",
        ]);
        let decoded = decode_program_error(&logs, None).unwrap();
        assert_eq!(
            decoded.to_string(),
            "program error NotTicketOwner (6049): The unbond ticket belongs to another owner [account: ticket] (sign with the ticket owner's keypair (-k))"
        );
    }

    #[test]
    fn the_hardening_errors_are_named_from_the_idl() {
        use staking::errors::StakingError;
        let offset = anchor_lang::error::ERROR_CODE_OFFSET;
        for (error, name) in [
            (StakingError::MintHasCloseAuthority, "MintHasCloseAuthority"),
            (
                StakingError::MintHasFreezeAuthority,
                "MintHasFreezeAuthority",
            ),
            (StakingError::NotPoolAuthority, "NotPoolAuthority"),
            (StakingError::NotOperatorAuthority, "NotOperatorAuthority"),
            (StakingError::NotPositionOwner, "NotPositionOwner"),
            (StakingError::NotTicketOwner, "NotTicketOwner"),
            (StakingError::PoolMismatch, "PoolMismatch"),
            (
                StakingError::TicketPositionMismatch,
                "TicketPositionMismatch",
            ),
            (StakingError::InvalidStakeMint, "InvalidStakeMint"),
            (StakingError::InvalidStakeVault, "InvalidStakeVault"),
        ] {
            let code = error as u32 + offset;
            let (idl_name, message) = staking_error(code).expect("in the committed IDL");
            assert_eq!(idl_name, name, "code {code}");
            assert!(!message.is_empty());
            assert!(hint(name).is_some(), "{name} has no hint");
        }
        // Appended after MathOverflow (6043): existing codes keep their meaning.
        assert_eq!(StakingError::MathOverflow as u32 + offset, 6043);
        assert_eq!(StakingError::MintHasCloseAuthority as u32 + offset, 6044);
        let error = TransactionError::InstructionError(
            0,
            InstructionError::Custom(StakingError::MintHasFreezeAuthority as u32 + offset),
        );
        let decoded = decode_program_error(&[], Some(&error)).unwrap().to_string();
        assert!(
            decoded.starts_with("program error MintHasFreezeAuthority (6045): ")
                && decoded.ends_with("(pass --accept-freeze-authority to accept the mint's freeze authority as a trust assumption)")
                && !decoded.contains('\n'),
            "{decoded}"
        );
    }

    #[test]
    fn program_errors_without_an_account() {
        let logs = logs(&[
            "Program log: AnchorError occurred. Error Code: TicketLocked. Error Number: 6013. Error Message: The unbond ticket is still locked.",
        ]);
        let decoded = decode_program_error(&logs, None).unwrap();
        assert_eq!(
            decoded.to_string(),
            "program error TicketLocked (6013): The unbond ticket is still locked"
        );
        assert_eq!(decoded.account, None);
    }

    #[test]
    fn staking_errors_without_logs_are_named_from_the_idl() {
        let error = TransactionError::InstructionError(0, InstructionError::Custom(6014));
        let decoded = decode_program_error(&[], Some(&error)).unwrap();
        assert_eq!(
            decoded.to_string(),
            "program error NothingToClaim (6014): Nothing to claim"
        );
        let ours = staking::errors::StakingError::NothingToClaim as u32
            + anchor_lang::error::ERROR_CODE_OFFSET;
        assert_eq!(ours, 6014);
    }

    #[test]
    fn token_program_errors_are_explained() {
        // A CPI's failure is repeated by its caller: the token program raised it.
        let logs = logs(&[
            "Program HXxvzGo3BTM8UZ7dsv1SkTSCfJ4h8RdpoJbFMGX8pAKr invoke [1]",
            "Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA invoke [2]",
            "Program log: Error: insufficient funds",
            "Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA failed: custom program error: 0x1",
            "Program HXxvzGo3BTM8UZ7dsv1SkTSCfJ4h8RdpoJbFMGX8pAKr failed: custom program error: 0x1",
        ]);
        let error = TransactionError::InstructionError(0, InstructionError::Custom(1));
        let decoded = decode_program_error(&logs, Some(&error)).unwrap();
        assert_eq!(
            decoded.to_string(),
            "the token program refused: Insufficient funds (InsufficientFunds, code 1)"
        );
    }

    #[test]
    fn non_program_failures_read_plainly() {
        let error = transaction_error(&[], &TransactionError::InsufficientFundsForFee);
        assert_eq!(
            error.to_string(),
            "transaction failed: the fee payer has too few SOL for the fee"
        );
        let error = transaction_error(
            &[],
            &TransactionError::InstructionError(0, InstructionError::MissingRequiredSignature),
        );
        assert!(error.to_string().contains("signature"), "{error}");
    }
}
