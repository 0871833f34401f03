//! A program's transaction logs as they land, over the node's WebSocket
//! (`logsSubscribe`, JSON-RPC 2.0). Used to report what a transaction moved
//! from its events: nodes answer `getTransaction` only once a block is
//! finalized (about 30 s after `confirmed` on a local validator), while a log
//! subscription at the sender's commitment fires within seconds.
//!
//! Hand-written over tokio-tungstenite rather than `solana-pubsub-client`: the
//! version in this workspace's lock is Agave 4's, whose types do not match the
//! 3.x RPC client this SDK uses, and one request and one notification shape
//! are all that is needed.
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use solana_commitment_config::CommitmentConfig;
use solana_signature::Signature;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::error::ClientError;

/// How long connecting and subscribing may take before the caller goes on
/// without a subscription.
pub const SUBSCRIBE_TIMEOUT: Duration = Duration::from_secs(5);

/// One transaction's logs, as the subscription delivered them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogNotification {
    pub signature: String,
    /// The transaction failed (its logs say how).
    pub failed: bool,
    pub logs: Vec<String>,
}

/// A live `logsSubscribe` for the transactions that mention one account.
/// Notifications are read in the background (so the node's pings are answered
/// while a transaction is being sent) and kept until asked for; dropping the
/// subscription closes the connection.
pub struct LogSubscription {
    notifications: mpsc::UnboundedReceiver<LogNotification>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for LogSubscription {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// The WebSocket URL a JSON-RPC URL's node serves, by the Solana CLI's rule
/// (`solana_cli_config::Config::compute_websocket_url`): `ws` for `http` and
/// `wss` for `https` (any case), the port plus one only when the URL names a
/// port other than its scheme's default (`https://h:443` has none), path and
/// query kept. A URL that does not parse is returned unchanged (connecting to
/// it then fails, and the send goes on without events).
pub fn websocket_url(rpc_url: &str) -> String {
    let Ok(mut url) = url::Url::parse(rpc_url) else {
        return rpc_url.to_string();
    };
    // `Url` lowercases the scheme; `port()` is `None` for the default one.
    let secure = url.scheme() == "https";
    let port = url.port();
    if url.set_scheme(if secure { "wss" } else { "ws" }).is_err() {
        return rpc_url.to_string();
    }
    if let Some(port) = port {
        // The Solana CLI panics on 65535; there is no port after it.
        let _ = url.set_port(Some(port.checked_add(1).unwrap_or(port)));
    }
    url.to_string()
}

fn commitment_name(commitment: CommitmentConfig) -> &'static str {
    if commitment.is_finalized() {
        "finalized"
    } else if commitment.is_confirmed() {
        "confirmed"
    } else {
        "processed"
    }
}

impl LogSubscription {
    /// Subscribes to the logs of transactions that mention `account` (a
    /// program id: every transaction invoking it), at `commitment`. Returns
    /// once the node has acknowledged the subscription, so a transaction sent
    /// afterwards cannot be missed.
    pub async fn mentioning(
        ws_url: &str,
        account: &Pubkey,
        commitment: CommitmentConfig,
    ) -> Result<Self, ClientError> {
        let unreachable = |reason: String| ClientError::Unreachable {
            url: ws_url.to_string(),
            reason,
        };
        let subscribe = async {
            let (mut socket, _) = tokio_tungstenite::connect_async(ws_url)
                .await
                .map_err(|e| unreachable(e.to_string()))?;
            let request = json!({
                "jsonrpc": "2.0",
                "id": 1,
                "method": "logsSubscribe",
                "params": [
                    {"mentions": [account.to_string()]},
                    {"commitment": commitment_name(commitment)}
                ]
            });
            socket
                .send(Message::text(request.to_string()))
                .await
                .map_err(|e| unreachable(e.to_string()))?;
            while let Some(message) = socket.next().await {
                let message = message.map_err(|e| unreachable(e.to_string()))?;
                let Ok(text) = message.to_text() else {
                    continue;
                };
                let Ok(reply) = serde_json::from_str::<Value>(text) else {
                    continue;
                };
                if reply["id"] != 1 {
                    continue;
                }
                if reply["result"].is_u64() {
                    return Ok(socket);
                }
                return Err(ClientError::Rpc(format!(
                    "logsSubscribe refused: {}",
                    reply["error"]
                )));
            }
            Err(unreachable("the connection closed".to_string()))
        };
        let socket = tokio::time::timeout(SUBSCRIBE_TIMEOUT, subscribe)
            .await
            .map_err(|_| unreachable(format!("no answer within {SUBSCRIBE_TIMEOUT:?}")))??;
        let (sender, notifications) = mpsc::unbounded_channel();
        let reader = tokio::spawn(async move {
            let (_write, mut read) = socket.split();
            while let Some(Ok(message)) = read.next().await {
                let Some(notification) = message.to_text().ok().and_then(parse_notification) else {
                    continue;
                };
                if sender.send(notification).is_err() {
                    return;
                }
            }
        });
        Ok(LogSubscription {
            notifications,
            reader,
        })
    }

    /// The logs of `signature`, waiting at most `wait` for them; `None` when
    /// they did not arrive in time (or the connection closed).
    pub async fn logs_of(
        &mut self,
        signature: &Signature,
        wait: Duration,
    ) -> Option<LogNotification> {
        let wanted = signature.to_string();
        let find = async {
            while let Some(notification) = self.notifications.recv().await {
                if notification.signature == wanted {
                    return Some(notification);
                }
            }
            None
        };
        tokio::time::timeout(wait, find).await.ok().flatten()
    }
}

/// A `logsNotification`'s transaction, or `None` for any other message.
fn parse_notification(text: &str) -> Option<LogNotification> {
    let message: Value = serde_json::from_str(text).ok()?;
    if message["method"] != "logsNotification" {
        return None;
    }
    let value = &message["params"]["result"]["value"];
    Some(LogNotification {
        signature: value["signature"].as_str()?.to_string(),
        failed: !value["err"].is_null(),
        logs: value["logs"]
            .as_array()?
            .iter()
            .filter_map(|line| line.as_str().map(str::to_string))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_urls_follow_the_solana_cli() {
        for (rpc, ws) in [
            ("http://127.0.0.1:8899", "ws://127.0.0.1:8900/"),
            ("https://host", "wss://host/"),
            // 443 is https's default: no explicit port, none added.
            ("https://host:443", "wss://host/"),
            ("http://h:8899?api-key=x", "ws://h:8900/?api-key=x"),
            ("HTTPS://h:8899", "wss://h:8900/"),
            (
                "https://api.devnet.solana.com",
                "wss://api.devnet.solana.com/",
            ),
            (
                "https://rpc.example.com:8443/key/abc",
                "wss://rpc.example.com:8444/key/abc",
            ),
            ("http://[::1]:8899", "ws://[::1]:8900/"),
            ("http://[::1]", "ws://[::1]/"),
        ] {
            assert_eq!(websocket_url(rpc), ws, "{rpc}");
        }
    }

    #[test]
    fn notifications_are_read_from_the_node_shape() {
        let text = r#"{"jsonrpc":"2.0","method":"logsNotification","params":{"result":{"context":{"slot":5},"value":{"signature":"abc","err":null,"logs":["Program data: AA=="]}},"subscription":0}}"#;
        assert_eq!(
            parse_notification(text),
            Some(LogNotification {
                signature: "abc".into(),
                failed: false,
                logs: vec!["Program data: AA==".into()],
            })
        );
        let failed = text.replace(
            r#""err":null"#,
            r#""err":{"InstructionError":[0,{"Custom":1}]}"#,
        );
        assert!(parse_notification(&failed).unwrap().failed);
        assert_eq!(
            parse_notification(r#"{"jsonrpc":"2.0","result":3,"id":1}"#),
            None
        );
    }
}
