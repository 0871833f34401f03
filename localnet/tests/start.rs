//! `staking-localnet start` beside a running validator (its port taken):
//! one line, a non-zero exit, and no file touched (the running validator's
//! users keep their payer keypair and ledger).
use std::net::TcpListener;
use std::process::Command;

#[test]
fn start_with_the_port_taken_fails_in_one_line_and_touches_nothing() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("staking-localnet-start-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("ledger")).unwrap();
    let payer = dir.join("payer.json");
    std::fs::write(&payer, "the running validator's payer").unwrap();
    std::fs::write(dir.join("ledger/keep"), "the running validator's ledger").unwrap();
    // Any existing file stands in for the bytecode: the port check comes first.
    let program = dir.join("payer.json");

    let output = Command::new(env!("CARGO_BIN_EXE_staking-localnet"))
        .args(["start", "--rpc-port", &port.to_string()])
        .arg("--payer-out")
        .arg(&payer)
        .arg("--ledger")
        .arg(dir.join("ledger"))
        .arg("--program")
        .arg(&program)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    assert!(!output.status.success());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("port {port} is in use")),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&payer).unwrap(),
        "the running validator's payer"
    );
    assert!(dir.join("ledger/keep").exists());
    drop(taken);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A second validator on free ports must not wipe a running one's ledger: the
/// ledger's lock is taken first.
#[test]
fn start_on_a_locked_ledger_fails_in_one_line_and_touches_nothing() {
    let dir = std::env::temp_dir().join(format!("staking-localnet-lock-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("ledger")).unwrap();
    std::fs::write(dir.join("ledger/keep"), "the running validator's ledger").unwrap();
    let lock = std::fs::File::create(dir.join("ledger.lock")).unwrap();
    lock.try_lock().unwrap();
    // Free ports: the lock is what refuses.
    let rpc = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let program = dir.join("ledger/keep");
    let mut child = Command::new(env!("CARGO_BIN_EXE_staking-localnet"))
        .args([
            "start",
            "--rpc-port",
            &rpc.to_string(),
            "--dynamic-port-start",
            "41000",
        ])
        .arg("--payer-out")
        .arg(dir.join("payer.json"))
        .arg("--ledger")
        .arg(dir.join("ledger"))
        .arg("--program")
        .arg(&program)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("staking-localnet started on a locked ledger");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    assert!(!output.status.success());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("is in use by another validator"),
        "{stderr}"
    );
    assert!(dir.join("ledger/keep").exists());
    assert!(!dir.join("payer.json").exists());
    drop(lock);
    let _ = std::fs::remove_dir_all(&dir);
}
