//! Starting a local validator with the staking program deployed: one function
//! for `staking-localnet start`, its benchmark and the CLI's end-to-end tests.
use std::fs::File;
use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};

use solana_keypair::Keypair;
use solana_net_utils::SocketAddrSpace;
use solana_rpc::rpc::JsonRpcConfig;
use solana_signer::Signer;
use solana_test_validator::{TestValidator, TestValidatorGenesis, UpgradeableProgramInfo};

/// Ports the validator takes above `dynamic_port_start` (gossip, TPU, ...).
const DYNAMIC_PORTS: u16 = 200;

/// Where a validator listens and what it deploys.
#[derive(Debug, Clone)]
pub struct ValidatorConfig {
    /// JSON-RPC; the WebSocket (PubSub) port is the next one.
    pub rpc_port: u16,
    /// Gossip, then the range the validator takes its other ports from.
    pub dynamic_port_start: u16,
    /// Wiped at start.
    pub ledger: PathBuf,
    /// The program's bytecode.
    pub program: PathBuf,
}

impl ValidatorConfig {
    /// The ports the validator must bind, which must be free before it
    /// touches any file: RPC and PubSub (TCP), and gossip (UDP and TCP).
    fn check_ports_free(&self) -> Result<(), String> {
        let in_use = |port: u16, flag: &str| {
            format!(
                "port {port} is in use: is a validator already running? (pick others with {flag})"
            )
        };
        // Each probe is dropped before the next binds the same port.
        let tcp_free = |ip: Ipv4Addr, port: u16| TcpListener::bind((ip, port)).is_ok();
        let udp_free = |ip: Ipv4Addr, port: u16| UdpSocket::bind((ip, port)).is_ok();
        for port in [self.rpc_port, self.rpc_port.saturating_add(1)] {
            if !tcp_free(Ipv4Addr::UNSPECIFIED, port) || !tcp_free(Ipv4Addr::LOCALHOST, port) {
                return Err(in_use(port, "--rpc-port"));
            }
        }
        let gossip = self.dynamic_port_start;
        if !udp_free(Ipv4Addr::UNSPECIFIED, gossip) || !tcp_free(Ipv4Addr::UNSPECIFIED, gossip) {
            return Err(in_use(gossip, "--dynamic-port-start"));
        }
        Ok(())
    }
}

/// A running validator and the lock on its ledger, both released on drop.
pub struct RunningValidator {
    pub validator: TestValidator,
    _ledger_lock: File,
}

impl std::ops::Deref for RunningValidator {
    type Target = TestValidator;

    fn deref(&self) -> &TestValidator {
        &self.validator
    }
}

/// Takes `<ledger>.lock` for the validator's lifetime, so that a second
/// validator (even on other ports) never wipes a running one's ledger.
fn lock_ledger(ledger: &Path) -> Result<File, String> {
    let mut name = ledger.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let file = File::create(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.try_lock().map_err(|_| {
        format!(
            "ledger {} is in use by another validator: stop it, or pass another --ledger",
            ledger.display()
        )
    })?;
    Ok(file)
}

/// Starts a validator with the program deployed (upgradeable, `payer` its
/// upgrade authority and the genesis mint) and transaction history kept, so
/// `getTransaction` and log subscriptions work. Refuses, before writing
/// anything, when the program is missing, the ports are taken or the ledger
/// belongs to a running validator.
pub async fn launch(config: &ValidatorConfig, payer: &Keypair) -> Result<RunningValidator, String> {
    if !config.program.exists() {
        return Err(format!(
            "{} not found: build it with scripts/build-sbf.sh (or anchor build)",
            config.program.display()
        ));
    }
    config.check_ports_free()?;
    let ledger_lock = lock_ledger(&config.ledger)?;
    let _ = std::fs::remove_dir_all(&config.ledger);
    std::fs::create_dir_all(&config.ledger)
        .map_err(|e| format!("cannot create {}: {e}", config.ledger.display()))?;
    let start = config.dynamic_port_start;
    let mut genesis = TestValidatorGenesis::default();
    genesis
        .ledger_path(&config.ledger)
        .rpc_port(config.rpc_port)
        .rpc_config(JsonRpcConfig {
            enable_rpc_transaction_history: true,
            // Without it the node strips logs and inner instructions before
            // storing a transaction, and `getTransaction` (so `staking
            // history` and error decoding after confirmation) has no events.
            enable_extended_tx_metadata_storage: true,
            ..JsonRpcConfig::default_for_test()
        })
        .gossip_port(start)
        .port_range((start + 1, start + DYNAMIC_PORTS))
        .add_upgradeable_programs_with_path(&[UpgradeableProgramInfo {
            program_id: staking::ID,
            loader: solana_sdk_ids::bpf_loader_upgradeable::id(),
            upgrade_authority: payer.pubkey(),
            program_path: config.program.clone(),
        }]);
    let validator = genesis
        .start_async_with_mint_address(payer, SocketAddrSpace::Unspecified)
        .await
        .map_err(|e| {
            let first_line = e.to_string();
            let first_line = first_line.lines().next().unwrap_or_default().to_string();
            format!("the validator did not start: {first_line}")
        })?;
    Ok(RunningValidator {
        validator,
        _ledger_lock: ledger_lock,
    })
}
