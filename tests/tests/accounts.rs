//! Account sizes and rents stated in the README, and the program id wiring.
use solana_signer::Signer;
use staking::state::{Delegation, Operator, Pool, Position, UnbondTicket};
use staking_tests::scenario::pool_params;
use staking_tests::*;

/// Sizes (with the 8-byte discriminator) and rents the README documents.
const POOL_SIZE: usize = 1_184;
const POSITION_SIZE: usize = 248;
const TICKET_SIZE: usize = 192;
const OPERATOR_SIZE: usize = 552;
const DELEGATION_SIZE: usize = 248;

#[test]
fn account_sizes_and_rent_match_the_readme() {
    assert_eq!(Pool::SPACE, POOL_SIZE);
    assert_eq!(Position::SPACE, POSITION_SIZE);
    assert_eq!(UnbondTicket::SPACE, TICKET_SIZE);
    assert_eq!(Operator::SPACE, OPERATOR_SIZE);
    assert_eq!(Delegation::SPACE, DELEGATION_SIZE);

    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&mint, pool_params(1, 0));
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 10));
    let (ticket, result) = env.unstake(&pool, &alice, 5);
    ok(result);
    let operator = env.new_user();
    let operator = env.register_operator(&pool, &operator, 500, "validator");
    ok(env.delegate(&pool, &alice, &operator));
    let position = pool.position_address(&alice.pubkey());
    let delegation = staking_client::pda::delegation(&staking::ID, &position);
    for (address, size, rent) in [
        (pool.address, POOL_SIZE, 9_131_520),
        (position, POSITION_SIZE, 2_616_960),
        (ticket, TICKET_SIZE, 2_227_200),
        (operator, OPERATOR_SIZE, 4_732_800),
        (delegation, DELEGATION_SIZE, 2_616_960),
    ] {
        assert_eq!(env.data(&address).len(), size);
        assert_eq!(env.lamports(&address), rent);
        assert_eq!(env.svm.minimum_balance_for_rent_exemption(size), rent);
    }
}

#[test]
fn the_committed_program_keypair_and_anchor_toml_match_declare_id() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let json = std::fs::read_to_string(root.join("keys/staking-program-keypair.json")).unwrap();
    let bytes: Vec<u8> = json
        .trim_matches(|c| c == '[' || c == ']' || char::is_whitespace(c))
        .split(',')
        .map(|b| b.trim().parse().unwrap())
        .collect();
    let keypair = solana_keypair::Keypair::try_from(bytes.as_slice()).unwrap();
    assert_eq!(keypair.pubkey(), staking::ID);
    let anchor_toml = std::fs::read_to_string(root.join("Anchor.toml")).unwrap();
    let declared = format!("staking = \"{}\"", staking::ID);
    assert_eq!(
        anchor_toml.matches(&declared).count(),
        2,
        "localnet and devnet ids"
    );
}
