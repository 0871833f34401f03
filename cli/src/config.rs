//! Where to connect and who signs, resolved as the Solana CLI does: flags
//! first, then the Solana CLI config file, then the defaults.
use std::path::{Path, PathBuf};

use solana_commitment_config::CommitmentConfig;
use solana_keypair::{read_keypair_file, Keypair};

use staking_client::ClientError;

pub const LOCALHOST_URL: &str = "http://127.0.0.1:8899";

/// A cluster moniker (`localhost`, `devnet`, `testnet`, `mainnet-beta`, or
/// their first letter) or an `http(s)://` URL with a host.
pub fn resolve_url(moniker_or_url: &str) -> Result<String, ClientError> {
    let url = match moniker_or_url {
        "localhost" | "l" => LOCALHOST_URL,
        "devnet" | "d" => "https://api.devnet.solana.com",
        "testnet" | "t" => "https://api.testnet.solana.com",
        "mainnet-beta" | "m" => "https://api.mainnet-beta.solana.com",
        url => {
            check_url(url, &["http", "https"]).map_err(|reason| {
                ClientError::invalid(format!(
                    "invalid --url {url:?}: {reason}; use localhost, devnet, testnet, mainnet-beta or an http(s) URL"
                ))
            })?;
            url
        }
    };
    Ok(url.to_string())
}

/// A WebSocket URL (`--ws`): `ws://` or `wss://` with a host.
pub fn check_websocket_url(url: &str) -> Result<String, ClientError> {
    check_url(url, &["ws", "wss"]).map_err(|reason| {
        ClientError::invalid(format!(
            "invalid --ws {url:?}: {reason}; use a ws:// or wss:// URL"
        ))
    })?;
    Ok(url.to_string())
}

/// Why `text` is not a URL of one of `schemes` with a host.
fn check_url(text: &str, schemes: &[&str]) -> Result<(), String> {
    let url = url::Url::parse(text).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => "it has no scheme".to_string(),
        url::ParseError::EmptyHost => "it has no host".to_string(),
        other => other.to_string(),
    })?;
    if !schemes.contains(&url.scheme()) {
        return Err(format!(
            "the scheme {:?} is not {}",
            url.scheme(),
            schemes.join(" or ")
        ));
    }
    match url.host_str() {
        Some(host) if !host.is_empty() => Ok(()),
        _ => Err("it has no host".to_string()),
    }
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
    /// `--ws`: the WebSocket, over the config file's and the derived one.
    pub websocket_url: Option<String>,
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
    // `--ws` first; then the config's, which goes with the configured URL.
    let websocket_url = match (&overrides.websocket_url, &overrides.url, &config) {
        (Some(ws), _, _) => Some(check_websocket_url(ws)?),
        (None, None, Some(config)) if !config.websocket_url.is_empty() => {
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
        for (bad, why) in [
            ("http://", "it has no host"),
            ("https://", "it has no host"),
            ("ftp://host", "the scheme \"ftp\" is not http or https"),
            ("ws://host:8900", "the scheme \"ws\" is not http or https"),
        ] {
            let error = resolve_url(bad).unwrap_err().to_string();
            assert_eq!(
                error,
                format!("invalid --url {bad:?}: {why}; use localhost, devnet, testnet, mainnet-beta or an http(s) URL")
            );
        }
        assert!(resolve_url("HTTPS://Host:8899/x?k=1").is_ok());
        assert_eq!(
            check_websocket_url("http://h:8900").unwrap_err().to_string(),
            "invalid --ws \"http://h:8900\": the scheme \"http\" is not ws or wss; use a ws:// or wss:// URL"
        );
        assert!(check_websocket_url("wss://h/k").is_ok());
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
            ..Default::default()
        })
        .unwrap();
        assert_eq!(flagged.url, LOCALHOST_URL);
        assert_eq!(flagged.keypair_path, PathBuf::from("/tmp/other.json"));
        assert_eq!(flagged.commitment, CommitmentConfig::processed());
        assert_eq!(flagged.websocket_url, None);

        let ws = resolve(&Overrides {
            config_file: Some(path.display().to_string()),
            url: Some("localhost".into()),
            websocket_url: Some("ws://127.0.0.1:9000".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ws.websocket_url.as_deref(), Some("ws://127.0.0.1:9000"));

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

    #[test]
    fn websocket_urls_are_the_solana_clis() {
        for rpc in [
            "https://host",
            "https://host:443",
            "http://h:8899?api-key=x",
            "HTTPS://h:8899",
            "http://127.0.0.1:8899",
            "http://host:80/path",
            "https://rpc.example.com:8443/key/abc",
        ] {
            assert_eq!(
                staking_client::subscription::websocket_url(rpc),
                solana_cli_config::Config::compute_websocket_url(rpc),
                "{rpc}"
            );
        }
    }
}
