//! The benchmark's pipelined sender: a batch of signed transactions sent at
//! once and confirmed by polling their statuses in batches.
use std::time::Duration;

use solana_rpc_client_api::config::RpcSendTransactionConfig;
use solana_signature::Signature;
use solana_transaction::Transaction;
use staking_client::error::transaction_error;
use staking_client::StakingClient;

/// What happened to one transaction of a pipelined batch.
#[derive(Debug, Clone)]
pub struct BatchOutcome {
    pub signature: Signature,
    /// From send to confirmation at the client's commitment.
    pub latency: Option<Duration>,
    /// The failure (on chain, at send, or not confirmed before the blockhash expired).
    pub error: Option<String>,
}

/// Signature statuses asked for in one `getSignatureStatuses` call (the RPC limit).
const STATUS_BATCH: usize = 256;

/// Sends signed transactions all at once (no simulation) and polls their
/// statuses in batches until each is confirmed, fails, or its blockhash
/// (valid to `last_valid_height`) expires. For throughput: one blockhash
/// for the batch, one status call per 256 signatures per poll.
pub async fn send_batch(
    client: &StakingClient,
    transactions: &[Transaction],
    last_valid_height: u64,
) -> Vec<BatchOutcome> {
    let config = RpcSendTransactionConfig {
        skip_preflight: true,
        ..RpcSendTransactionConfig::default()
    };
    let started = std::time::Instant::now();
    let sends = transactions
        .iter()
        .map(|tx| client.rpc.send_transaction_with_config(tx, config));
    let mut outcomes: Vec<BatchOutcome> = futures::future::join_all(sends)
        .await
        .into_iter()
        .zip(transactions)
        .map(|(result, tx)| BatchOutcome {
            signature: tx.signatures[0],
            latency: None,
            error: result
                .err()
                .map(|e| staking_client::error::from_rpc(&client.url, e).to_string()),
        })
        .collect();
    loop {
        let pending: Vec<usize> = (0..outcomes.len())
            .filter(|&i| outcomes[i].latency.is_none() && outcomes[i].error.is_none())
            .collect();
        if pending.is_empty() {
            return outcomes;
        }
        for chunk in pending.chunks(STATUS_BATCH) {
            let signatures: Vec<Signature> = chunk.iter().map(|&i| outcomes[i].signature).collect();
            let Ok(response) = client.rpc.get_signature_statuses(&signatures).await else {
                continue;
            };
            for (&i, status) in chunk.iter().zip(response.value) {
                match status {
                    Some(status) if status.err.is_some() => {
                        outcomes[i].error =
                            status.err.map(|e| transaction_error(&[], &e).to_string());
                    }
                    Some(status) if status.satisfies_commitment(client.commitment) => {
                        outcomes[i].latency = Some(started.elapsed());
                    }
                    _ => {}
                }
            }
        }
        if matches!(client.rpc.get_block_height().await, Ok(height) if height > last_valid_height) {
            for i in pending {
                if outcomes[i].latency.is_none() && outcomes[i].error.is_none() {
                    outcomes[i].error = Some("not confirmed before the blockhash expired".into());
                }
            }
            return outcomes;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
