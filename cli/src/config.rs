//! Where to connect and who signs, resolved as the Solana CLI does: flags
//! first, then the Solana CLI config file, then the defaults.
use std::path::{Path, PathBuf};

use solana_commitment_config::CommitmentConfig;
use solana_keypair::{read_keypair_file, Keypair};

use staking_client::ClientError;

pub const LOCALHOST_URL: &str = "http://127.0.0.1:8899";

/// A cluster moniker (`localhost`, `devnet`, `testnet`, `mainnet-beta`, or
/// their first letter) or an `http(s)://` URL.
pub fn resolve_url(moniker_or_url: &str) -> Result<String, ClientError> {
    let url = match moniker_or_url {
        "localhost" | "l" => LOCALHOST_URL,
        "devnet" | "d" => "https://api.devnet.solana.com",
        "testnet" | "t" => "https://api.testnet.solana.com",
        "mainnet-beta" | "m" => "https://api.mainnet-beta.solana.com",
        url if url.starts_with("http://") || url.starts_with("https://") => url,
        other => {
            return Err(ClientError::invalid(format!(
                "invalid --url {other:?}: use localhost, devnet, testnet, mainnet-beta or an http(s) URL"
            )))
        }
    };
    Ok(url.to_string())
}

pub fn parse_commitment(text: &str) -> Result<CommitmentConfig, ClientError> {
    match text {
        "processed" => Ok(CommitmentConfig::processed()),
        "confirmed" => Ok(CommitmentConfig::confirmed()),
        "finalized" => Ok(CommitmentConfig::finalized()),
        other => Err(ClientError::invalid(format!(
            "invalid commitment {other:?}: use processed, confirmed or finalized"
        ))),
    }
}

/// Resolved connection settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub url: String,
    /// The config file's `websocket_url` when it applies (no `--url`, and
    /// set); otherwise the SDK derives it from `url`.
    pub websocket_url: Option<String>,
    pub keypair_path: PathBuf,
    pub commitment: CommitmentConfig,
}

/// What the user passed on the command line.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config_file: Option<String>,
    pub url: Option<String>,
    pub keypair: Option<String>,
    pub commitment: Option<String>,
}

/// Flags, then the config file (`--config`, or the Solana CLI's default when it
/// exists), then `localhost`, `~/.config/solana/id.json` and `confirmed`.
pub fn resolve(overrides: &Overrides) -> Result<Settings, ClientError> {
    let config = match &overrides.config_file {
        Some(path) => Some(load_config(path)?),
        None => match solana_cli_config::CONFIG_FILE.as_ref() {
            Some(path) if Path::new(path).exists() => Some(load_config(path)?),
            _ => None,
        },
    };
    let url = match (&overrides.url, &config) {
        (Some(url), _) => resolve_url(url)?,
        (None, Some(config)) if !config.json_rpc_url.is_empty() => config.json_rpc_url.clone(),
        _ => LOCALHOST_URL.to_string(),
    };
    // As the Solana CLI: a configured WebSocket goes with the configured URL.
    let websocket_url = match (&overrides.url, &config) {
        (None, Some(config)) if !config.websocket_url.is_empty() => {
            Some(config.websocket_url.clone())
        }
        _ => None,
    };
    let keypair_path = match (&overrides.keypair, &config) {
        (Some(path), _) => expand_home(path),
        (None, Some(config)) if !config.keypair_path.is_empty() => {
            expand_home(&config.keypair_path)
        }
        _ => expand_home("~/.config/solana/id.json"),
    };
    let commitment = match (&overrides.commitment, &config) {
        (Some(text), _) => parse_commitment(text)?,
        (None, Some(config)) if !config.commitment.is_empty() => {
            parse_commitment(&config.commitment)?
        }
        _ => CommitmentConfig::confirmed(),
    };
    Ok(Settings {
        url,
        websocket_url,
        keypair_path,
        commitment,
    })
}

fn load_config(path: &str) -> Result<solana_cli_config::Config, ClientError> {
    solana_cli_config::Config::load(path).map_err(|e| ClientError::Config {
        path: path.to_string(),
        reason: e.to_string(),
    })
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

pub fn load_keypair(path: &Path) -> Result<Keypair, ClientError> {
    if !path.exists() {
        return Err(ClientError::Keypair {
            path: path.display().to_string(),
            reason: "file not found (create one with `solana-keygen new` or pass --keypair)"
                .to_string(),
        });
    }
    read_keypair_file(path).map_err(|e| ClientError::Keypair {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monikers_and_urls() {
        assert_eq!(resolve_url("localhost").unwrap(), LOCALHOST_URL);
        assert_eq!(resolve_url("l").unwrap(), LOCALHOST_URL);
        assert_eq!(
            resolve_url("devnet").unwrap(),
            "https://api.devnet.solana.com"
        );
        assert_eq!(
            resolve_url("m").unwrap(),
            "https://api.mainnet-beta.solana.com"
        );
        assert_eq!(
            resolve_url("http://10.0.0.1:8899").unwrap(),
            "http://10.0.0.1:8899"
        );
        let error = resolve_url("devnett").unwrap_err().to_string();
        assert!(error.contains("invalid --url \"devnett\""), "{error}");
    }

    #[test]
    fn flags_override_the_config_file() {
        let dir = std::env::temp_dir().join(format!("staking-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.yml");
        std::fs::write(
            &path,
            "json_rpc_url: https://api.devnet.solana.com\nwebsocket_url: wss://ws.example.com/\nkeypair_path: /tmp/me.json\naddress_labels: {}\ncommitment: finalized\n",
        )
        .unwrap();
        let from_file = resolve(&Overrides {
            config_file: Some(path.display().to_string()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(from_file.url, "https://api.devnet.solana.com");
        assert_eq!(from_file.keypair_path, PathBuf::from("/tmp/me.json"));
        assert_eq!(from_file.commitment, CommitmentConfig::finalized());
        assert_eq!(
            from_file.websocket_url.as_deref(),
            Some("wss://ws.example.com/")
        );

        let flagged = resolve(&Overrides {
            config_file: Some(path.display().to_string()),
            url: Some("localhost".into()),
            keypair: Some("/tmp/other.json".into()),
            commitment: Some("processed".into()),
        })
        .unwrap();
        assert_eq!(flagged.url, LOCALHOST_URL);
        assert_eq!(flagged.keypair_path, PathBuf::from("/tmp/other.json"));
        assert_eq!(flagged.commitment, CommitmentConfig::processed());
        assert_eq!(flagged.websocket_url, None);

        let missing = resolve(&Overrides {
            config_file: Some(dir.join("nope.yml").display().to_string()),
            ..Default::default()
        });
        assert!(matches!(missing, Err(ClientError::Config { .. })));
        assert!(parse_commitment("final").is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn missing_keypair_file_is_named() {
        let error = load_keypair(Path::new("/nonexistent/id.json"))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("cannot read keypair /nonexistent/id.json: file not found"),
            "{error}"
        );
    }
}
