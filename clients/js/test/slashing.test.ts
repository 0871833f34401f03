// Slashing through the generated client, against a real `staking-localnet`:
// the pool authority names a slasher (at once: nothing is staked yet), an
// operator's delegators and one of their tickets are slashed 10%, and the
// hand-written helpers project what the program computes lazily
// (`delegatedStake`, `ticketValue`) and which settings are in force
// (`slashSettingsAt`, `slashingPossible`); the program's errors decode by
// name, and Anchor's TypeScript client decodes the new fields as Codama does.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AnchorProvider, BN, Program, Wallet, type Idl } from '@anchor-lang/core';
import { Connection, Keypair, PublicKey } from '@solana/web3.js';
import {
    AccountRole,
    generateKeyPairSigner,
    type AccountMeta,
    type Address,
    type Instruction,
    type KeyPairSigner,
    type Signature,
} from '@solana/kit';
import {
    ASSOCIATED_TOKEN_PROGRAM_ADDRESS,
    decodeStakingEvents,
    delegatedStake,
    fetchDelegation,
    fetchOperator,
    fetchPool,
    fetchPosition,
    fetchUnbondTicket,
    findDelegationPda,
    findOperatorPda,
    findOwnerPosition,
    findPoolPda,
    findTokenAccount,
    getCancelUnbondInstructionAsync,
    getDelegateInstructionAsync,
    getInitializePoolInstructionAsync,
    getOpenPositionInstructionAsync,
    getRedelegateInstructionAsync,
    getRegisterOperatorInstructionAsync,
    getSetSlasherInstruction,
    getSlashInstruction,
    getStakeInstructionAsync,
    getStakingErrorMessage,
    getUndelegateInstructionAsync,
    getUnstakeInstructionAsync,
    isStakingError,
    NO_ADDRESS,
    positionDelegation,
    q64Value,
    slashingPossible,
    slashSettingsAt,
    STAKING_ERROR__DELEGATED_STAKE_MUST_UNBOND,
    STAKING_ERROR__NOT_SLASHER,
    STAKING_ERROR__SLASH_EXCEEDS_MAXIMUM,
    STAKING_PROGRAM_ADDRESS,
    ticketOperator,
    ticketValue,
    TOKEN_PROGRAM_ADDRESS,
    type StakingError,
    type StakingEvent,
} from '@staking/client';
import { REPO, startLocalnet, type Localnet } from './localnet';

/** Base units of the stake mint (6 decimals). */
const S = 1_000_000n;
const Q64_ONE = 1n << 64n;
const UNBONDING_SECONDS = 100n;
const MAX_SLASH_BPS = 2_000;
const SLASH_BPS = 1_000;

let net: Localnet;
let connection: Connection | undefined;

before(async () => {
    net = await startLocalnet(19_900, 20_000);
});
after(async () => {
    // web3.js reconnects its WebSocket to a stopped validator forever: close it first.
    (connection as unknown as { _rpcWebSocket?: { close(): void } } | undefined)?._rpcWebSocket?.close();
    await net?.stop();
});

async function balance(account: Address): Promise<bigint> {
    const { value } = await net.rpc.getTokenAccountBalance(account, { commitment: 'confirmed' }).send();
    return BigInt(value.amount);
}

const confirmed = { commitment: 'confirmed' } as const;

/** The staking events a confirmed transaction logged (it must have succeeded). */
async function eventsOf(signature: Signature): Promise<StakingEvent[]> {
    const transaction = await net.rpc
        .getTransaction(signature, { ...confirmed, encoding: 'json', maxSupportedTransactionVersion: 0 })
        .send();
    assert.ok(transaction?.meta, `transaction ${signature} not found`);
    assert.equal(transaction.meta.err, null);
    return decodeStakingEvents(transaction.meta.logMessages ?? []);
}

/** The one event named `name` among `events`. */
function only<N extends StakingEvent['name']>(events: StakingEvent[], name: N): EventData<N> {
    const found = events.filter((event): event is Extract<StakingEvent, { name: N }> => event.name === name);
    assert.equal(found.length, 1, `one ${name} event among ${events.map((event) => event.name).join(', ')}`);
    return found[0].data as EventData<N>;
}
type EventData<N extends StakingEvent['name']> =
    Extract<StakingEvent, { name: N }> extends { data: infer D } ? D : never;

/** The Solana error code a failed send carries (kit nests the instruction error as a cause). */
function customError(error: unknown): { code: number; found: unknown } | undefined {
    for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
        const context = (e as { context?: { code?: unknown; index?: unknown } }).context;
        if (context && typeof context.code === 'number' && typeof context.index === 'number') {
            return { code: context.code, found: e };
        }
    }
    return undefined;
}

async function sendExpectingStakingError(
    feePayer: KeyPairSigner,
    instructions: Instruction[],
    expected: StakingError,
    expectedName: string,
) {
    let failure: unknown;
    try {
        await net.send(feePayer, instructions);
    } catch (error) {
        failure = error;
    }
    assert.ok(failure, `the transaction should have failed with ${expectedName}`);
    const custom = customError(failure);
    assert.ok(custom, `no custom program error in ${String(failure)}`);
    assert.equal(custom.code, expected, `${expectedName} expected: ${String((failure as Error).message)}`);
    assert.ok(isStakingError(custom.found, { instructions }, expected), 'isStakingError should recognise it');
    assert.equal(getStakingErrorMessage(custom.code as StakingError), getStakingErrorMessage(expected));
    assert.match(String((failure as Error).message), new RegExp(`Error Code: ${expectedName}\\b`));
}

test('helpers: delegatedStake, ticketValue, slashSettingsAt and slashingPossible on edge cases', () => {
    const someone = STAKING_PROGRAM_ADDRESS;
    const other = TOKEN_PROGRAM_ADDRESS;

    assert.equal(delegatedStake({ delegated: 0n, delegatedShares: 0n }, { shares: 0n }), 0n);
    assert.equal(
        delegatedStake({ delegated: 7n, delegatedShares: 10n }, { shares: 10n }),
        7n,
        'every share: all of it',
    );
    assert.equal(delegatedStake({ delegated: 7n, delegatedShares: 10n }, { shares: 5n }), 3n, 'rounded down');
    assert.equal(delegatedStake({ delegated: 0n, delegatedShares: 10n }, { shares: 5n }), 0n, 'slashed out');
    assert.throws(() => delegatedStake({ delegated: 7n, delegatedShares: 10n }, { shares: 11n }), RangeError);

    // A 10% slash: the factor is ceil(0.9 × 2^64), so a 400-unit ticket keeps exactly 360.
    const factor = { low: (Q64_ONE * 9_000n + 9_999n) / 10_000n, high: 0n };
    const one = { low: 0n, high: 1n };
    assert.equal(q64Value(one), Q64_ONE);
    const ticket = { operator: someone, amount: 400n, slashFactorQ: one, slashFactorShift: 0, ticketEpoch: 0 };
    const operator = { unbonding: 360n, ticketFactorQ: factor, ticketFactorShift: 0, ticketEpoch: 0 };
    assert.equal(ticketValue(ticket, operator), 360n);
    assert.equal(ticketValue(ticket, { ...operator, unbonding: 359n }), 359n, "capped at the operator's unbonding");
    assert.equal(ticketValue(ticket, { ...operator, ticketEpoch: 1 }), 0n, 'an earlier epoch was taken whole');
    assert.equal(
        ticketValue({ ...ticket, slashFactorQ: factor }, operator),
        360n,
        'unstaked after the slash: its amount',
    );
    const quarter = {
        unbonding: 1_000n,
        ticketFactorQ: { low: 1n << 63n, high: 0n },
        ticketFactorShift: 1,
        ticketEpoch: 0,
    };
    assert.equal(ticketValue(ticket, quarter), 100n, 'a quarter: mantissa 0.5, shifted once');
    assert.equal(ticketValue({ ...ticket, operator: NO_ADDRESS }), 400n, 'no operator: its amount');
    assert.throws(() => ticketValue(ticket), TypeError);
    assert.throws(
        () => ticketValue({ ...ticket, slashFactorQ: factor }, { ...operator, ticketFactorQ: one }),
        RangeError,
    );

    const none = {
        slasher: NO_ADDRESS,
        slashDestination: NO_ADDRESS,
        maxSlashBps: 0,
        pendingSlasher: NO_ADDRESS,
        pendingSlashDestination: NO_ADDRESS,
        pendingMaxSlashBps: 0,
        pendingSlashSettingsAt: 0n,
    };
    assert.equal(slashingPossible(none), false);
    assert.deepEqual(slashSettingsAt(none, 1_000n), { slasher: NO_ADDRESS, destination: NO_ADDRESS, maxSlashBps: 0 });
    const announced = {
        ...none,
        pendingSlasher: someone,
        pendingSlashDestination: other,
        pendingMaxSlashBps: 500,
        pendingSlashSettingsAt: 1_000n,
    };
    assert.equal(slashingPossible(announced), true, 'announced counts');
    assert.equal(slashSettingsAt(announced, 999).slasher, NO_ADDRESS);
    assert.deepEqual(slashSettingsAt(announced, 1_000), { slasher: someone, destination: other, maxSlashBps: 500 });
    assert.equal(slashingPossible({ ...none, slasher: someone }), true);
});

test('slash 10%: destination, event, operator, delegated stake and ticket projected, no escape, settlement, errors, Anchor', async () => {
    const [
        { signer: holderA },
        { signer: holderB },
        { signer: holderC },
        { signer: slasher },
        { signer: operatorKey },
    ] = await Promise.all([net.createUser(), net.createUser(), net.createUser(), net.createUser(), net.createUser()]);
    const { signer: otherOperatorKey } = await net.createUser();
    const stakeMint = await net.createMint({
        decimals: 6,
        mintTo: [
            [holderA.address, '101'],
            [holderB.address, '100'],
            [holderC.address, '100'],
        ],
    });
    const tokenProgram = TOKEN_PROGRAM_ADDRESS;
    const tokenAccount = (owner: Address) => findTokenAccount(owner, stakeMint, tokenProgram);
    // The slash destination: the slasher's associated token account, created empty.
    const destination = await tokenAccount(slasher.address);
    const createDestination: Instruction = {
        programAddress: ASSOCIATED_TOKEN_PROGRAM_ADDRESS,
        accounts: [
            { address: net.payer.address, role: AccountRole.WRITABLE_SIGNER, signer: net.payer } as AccountMeta,
            { address: destination, role: AccountRole.WRITABLE },
            { address: slasher.address, role: AccountRole.READONLY },
            { address: stakeMint, role: AccountRole.READONLY },
            { address: NO_ADDRESS, role: AccountRole.READONLY },
            { address: tokenProgram, role: AccountRole.READONLY },
        ],
        data: new Uint8Array([1]), // CreateIdempotent
    };

    // The pool, and its slasher set at once (nothing staked: nobody needs notice).
    const [pool] = await findPoolPda({ stakeMint, authority: net.payer.address, poolId: 1n });
    await net.send(net.payer, [
        createDestination,
        await getInitializePoolInstructionAsync({
            authority: net.payer,
            stakeMint,
            tokenProgram,
            poolId: 1n,
            unbondingPeriod: UNBONDING_SECONDS,
            minStake: 1n,
            maxTotalStake: 2n ** 64n - 1n,
            operatorApprovalRequired: false,
            maxCommissionBps: 2_000,
            maxOperatorShareBps: 10_000,
            acceptedMintAuthorities: { freeze: false, transferFee: false },
        }),
    ]);
    const fetchPoolData = async () => (await fetchPool(net.rpc, pool, confirmed)).data;
    assert.equal(slashingPossible(await fetchPoolData()), false, 'a new pool cannot slash');
    const setSlasher = await net.send(net.payer, [
        getSetSlasherInstruction({
            authority: net.payer,
            pool,
            slashDestination: destination,
            slasher: slasher.address,
            maxSlashBps: MAX_SLASH_BPS,
        }),
    ]);
    assert.deepEqual(only(await eventsOf(setSlasher), 'slashSettingsApplied'), {
        pool,
        slasher: slasher.address,
        slashDestination: destination,
        maxSlashBps: MAX_SLASH_BPS,
    });
    const settings = { slasher: slasher.address, destination, maxSlashBps: MAX_SLASH_BPS };
    let poolData = await fetchPoolData();
    assert.equal(poolData.pendingSlashSettingsAt, 0n, 'applied at once, nothing pending');
    assert.deepEqual(slashSettingsAt(poolData, await net.clusterTime()), settings);
    assert.equal(slashingPossible(poolData), true);

    // Two operators; A and C delegate to the first, B stakes undelegated; A unstakes 40 into a ticket.
    await Promise.all(
        [operatorKey, otherOperatorKey].map(async (authority) =>
            net.send(authority, [
                await getRegisterOperatorInstructionAsync({ authority, pool, commissionBps: 500, name: 'validator' }),
            ]),
        ),
    );
    const [operator] = await findOperatorPda({ pool, authority: operatorKey.address });
    const [otherOperator] = await findOperatorPda({ pool, authority: otherOperatorKey.address });
    const stakeAndDelegate = async (owner: KeyPairSigner, amount: bigint, delegate: boolean) =>
        net.send(owner, [
            await getOpenPositionInstructionAsync({ owner, pool }),
            await getStakeInstructionAsync({
                owner,
                pool,
                stakeMint,
                ownerTokenAccount: await tokenAccount(owner.address),
                tokenProgram,
                amount,
            }),
            ...(delegate ? [await getDelegateInstructionAsync({ owner, pool, operator })] : []),
        ]);
    const C_STAKE = 20n * S + 3n; // not a round number: its share rounds
    await Promise.all([
        stakeAndDelegate(holderA, 100n * S, true),
        stakeAndDelegate(holderB, 50n * S, false),
        stakeAndDelegate(holderC, C_STAKE, true),
    ]);
    const positionA = await findOwnerPosition(pool, holderA.address);
    const positionB = await findOwnerPosition(pool, holderB.address);
    const positionC = await findOwnerPosition(pool, holderC.address);
    const [delegationA] = await findDelegationPda({ position: positionA });
    const [delegationC] = await findDelegationPda({ position: positionC });
    const fetchPositionData = async (address: Address) => (await fetchPosition(net.rpc, address, confirmed)).data;
    const fetchOperatorData = async (address: Address = operator) =>
        (await fetchOperator(net.rpc, address, confirmed)).data;
    const ticketSigner = await generateKeyPairSigner();
    await net.send(holderA, [
        await getUnstakeInstructionAsync({
            owner: holderA,
            pool,
            ...(await positionDelegation(await fetchPositionData(positionA), positionA)),
            ticket: ticketSigner,
            amount: 40n * S,
        }),
    ]);
    const ticket = ticketSigner.address;
    let operatorData = await fetchOperatorData();
    assert.equal(operatorData.delegated, 60n * S + C_STAKE);
    assert.equal(operatorData.delegatedShares, 60n * S + C_STAKE, 'shares are base units until a slash');
    assert.equal(operatorData.unbonding, 40n * S);
    assert.equal(operatorData.openTickets, 1n);
    assert.deepEqual(operatorData.ticketFactorQ, { low: 0n, high: 1n }, '1.0');
    const ticketData = (await fetchUnbondTicket(net.rpc, ticket, confirmed)).data;
    assert.equal(ticketData.operator, operator);
    assert.deepEqual(ticketData.slashFactorQ, { low: 0n, high: 1n });
    assert.equal(ticketValue(ticketData, operatorData), 40n * S, 'no slash yet: its amount');
    const positionBBefore = await fetchPositionData(positionB);
    const poolBefore = await fetchPoolData();
    const vaultBefore = await balance(poolBefore.stakeVault);
    assert.equal(vaultBefore, 150n * S + C_STAKE);

    // More than the maximum, and a slash by anyone but the slasher, are refused.
    const reason = Uint8Array.from(createHash('sha256').update('evidence: double signing at slot 12345').digest());
    const slashBy = (signer: KeyPairSigner, bps: number) =>
        getSlashInstruction({
            slasher: signer,
            pool,
            operator,
            stakeMint,
            stakeVault: poolBefore.stakeVault,
            slashDestination: destination,
            tokenProgram,
            bps,
            reason,
        });
    await sendExpectingStakingError(holderB, [slashBy(holderB, SLASH_BPS)], STAKING_ERROR__NOT_SLASHER, 'NotSlasher');
    await sendExpectingStakingError(
        slasher,
        [slashBy(slasher, MAX_SLASH_BPS + 1)],
        STAKING_ERROR__SLASH_EXCEEDS_MAXIMUM,
        'SlashExceedsMaximum',
    );

    // The slash: 10% of the delegated stake (floor) and of the open ticket.
    const beforeSlash = await net.clusterTime();
    const slashSignature = await net.send(slasher, [slashBy(slasher, SLASH_BPS)]);
    const afterSlash = await net.clusterTime();
    const fromDelegated = ((60n * S + C_STAKE) * BigInt(SLASH_BPS)) / 10_000n;
    const fromUnbonding = 4n * S;
    assert.equal(fromDelegated, 8n * S, '8,000,000.3 rounded down');
    assert.equal(await balance(destination), fromDelegated + fromUnbonding);
    const slashed = only(await eventsOf(slashSignature), 'slashed');
    assert.deepEqual(slashed, {
        pool,
        operator,
        slasher: slasher.address,
        bps: SLASH_BPS,
        reason,
        fromDelegated,
        fromUnbonding,
        dust: 0n,
        slashDestination: destination,
        operatorDelegated: 60n * S + C_STAKE - fromDelegated,
        operatorUnbonding: 36n * S,
    });

    operatorData = await fetchOperatorData();
    assert.equal(operatorData.totalSlashed, 12n * S);
    assert.equal(operatorData.lastSlashBps, SLASH_BPS);
    assert.equal(operatorData.slashCount, 1);
    assert.ok(operatorData.lastSlashAt >= beforeSlash && operatorData.lastSlashAt <= afterSlash);
    assert.equal(operatorData.delegated, 72n * S + 3n);
    assert.equal(operatorData.delegatedShares, 60n * S + C_STAKE, 'a slash leaves the shares alone');
    assert.equal(operatorData.unbonding, 36n * S);
    assert.equal(operatorData.ticketEpoch, 0);
    assert.equal(operatorData.ticketFactorShift, 0);
    assert.equal(q64Value(operatorData.ticketFactorQ), (Q64_ONE * 9_000n + 9_999n) / 10_000n, 'ceil(0.9 × 2^64)');
    poolData = await fetchPoolData();
    assert.equal(poolData.totalStaked, poolBefore.totalStaked - fromDelegated);
    assert.equal(poolData.totalUnbonding, poolBefore.totalUnbonding - fromUnbonding);
    assert.equal(
        await balance(poolData.stakeVault),
        poolData.totalStaked + poolData.totalUnbonding + poolData.slashDust,
    );

    // What each holds now, though no position was touched.
    const delegationAData = (await fetchDelegation(net.rpc, delegationA, confirmed)).data;
    const delegationCData = (await fetchDelegation(net.rpc, delegationC, confirmed)).data;
    const projectedA = delegatedStake(operatorData, delegationAData);
    assert.equal(projectedA, 54n * S, "90% of A's 60");
    assert.equal(delegatedStake(operatorData, delegationCData), 18n * S + 2n, "C's 20,000,003 × 0.9, rounded down");
    assert.equal(
        (await fetchPositionData(positionA)).staked,
        60n * S,
        'the position shows it from its next settlement',
    );
    assert.equal((await fetchPositionData(positionC)).staked, C_STAKE);
    assert.deepEqual(await fetchPositionData(positionB), positionBBefore, 'undelegated stake is not slashed');
    const ticketNow = (await fetchUnbondTicket(net.rpc, ticket, confirmed)).data;
    assert.equal(ticketNow.amount, 40n * S, 'the ticket account is not touched');
    const projectedTicket = ticketValue(ticketNow, operatorData);
    assert.equal(projectedTicket, 36n * S, "90% of A's ticket, exactly");

    // Anchor's client decodes the slashing fields as Codama does.
    const idl = JSON.parse(readFileSync(join(REPO, 'idl/staking.json'), 'utf8')) as Idl;
    const payer = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(net.payerPath, 'utf8'))));
    connection = new Connection(net.url, { commitment: 'confirmed', wsEndpoint: net.wsUrl });
    const program = new Program(idl, new AnchorProvider(connection, new Wallet(payer), { commitment: 'confirmed' }));
    const accounts = program.account as unknown as Record<string, { fetch(address: PublicKey): Promise<any> }>;
    const big = (value: BN) => BigInt(value.toString());
    const key = (value: PublicKey) => value.toBase58();
    const q64 = (value: { low: BN; high: BN }) => ({ low: big(value.low), high: big(value.high) });
    const anchorOperator = await accounts.operator.fetch(new PublicKey(operator));
    assert.equal(big(anchorOperator.delegated), operatorData.delegated);
    assert.equal(big(anchorOperator.unbonding), operatorData.unbonding);
    assert.equal(big(anchorOperator.delegatedShares), operatorData.delegatedShares);
    assert.deepEqual(q64(anchorOperator.ticketFactorQ), operatorData.ticketFactorQ);
    assert.equal(big(anchorOperator.openTickets), operatorData.openTickets);
    assert.equal(anchorOperator.ticketEpoch, operatorData.ticketEpoch);
    assert.equal(anchorOperator.ticketFactorShift, operatorData.ticketFactorShift);
    assert.equal(big(anchorOperator.totalSlashed), operatorData.totalSlashed);
    assert.equal(big(anchorOperator.lastSlashAt), operatorData.lastSlashAt);
    assert.equal(anchorOperator.slashCount, operatorData.slashCount);
    assert.equal(anchorOperator.lastSlashBps, operatorData.lastSlashBps);
    const anchorPool = await accounts.pool.fetch(new PublicKey(pool));
    assert.equal(key(anchorPool.slasher), poolData.slasher);
    assert.equal(key(anchorPool.slashDestination), poolData.slashDestination);
    assert.equal(key(anchorPool.pendingSlasher), poolData.pendingSlasher);
    assert.equal(key(anchorPool.pendingSlashDestination), poolData.pendingSlashDestination);
    assert.equal(big(anchorPool.pendingSlashSettingsAt), poolData.pendingSlashSettingsAt);
    assert.equal(big(anchorPool.slashDust), poolData.slashDust);
    assert.equal(anchorPool.maxSlashBps, poolData.maxSlashBps);
    assert.equal(anchorPool.pendingMaxSlashBps, poolData.pendingMaxSlashBps);
    assert.equal(big(anchorPool.totalStaked), poolData.totalStaked);
    assert.equal(big(anchorPool.totalUnbonding), poolData.totalUnbonding);
    const anchorDelegation = await accounts.delegation.fetch(new PublicKey(delegationA));
    assert.equal(big(anchorDelegation.shares), delegationAData.shares);
    const anchorTicket = await accounts.unbondTicket.fetch(new PublicKey(ticket));
    assert.deepEqual(q64(anchorTicket.slashFactorQ), ticketNow.slashFactorQ);
    assert.equal(anchorTicket.ticketEpoch, ticketNow.ticketEpoch);
    assert.equal(anchorTicket.slashFactorShift, ticketNow.slashFactorShift);

    // No escape: A's staked position may not leave the operator but through a ticket.
    await sendExpectingStakingError(
        holderA,
        [await getUndelegateInstructionAsync({ owner: holderA, pool, operator })],
        STAKING_ERROR__DELEGATED_STAKE_MUST_UNBOND,
        'DelegatedStakeMustUnbond',
    );
    await sendExpectingStakingError(
        holderA,
        [await getRedelegateInstructionAsync({ owner: holderA, pool, operator, newOperator: otherOperator })],
        STAKING_ERROR__DELEGATED_STAKE_MUST_UNBOND,
        'DelegatedStakeMustUnbond',
    );

    // A's next settlement writes the projection: a stake of 1 unit settles the position first (the
    // pool pays no stream, so a claim would have nothing to pay). The unit buys floor(1 × 80,000,003 /
    // 72,000,003) = 1 share, which is worth exactly 1 more unit to A here.
    await net.send(holderA, [
        await getStakeInstructionAsync({
            owner: holderA,
            pool,
            ...(await positionDelegation(await fetchPositionData(positionA), positionA)),
            stakeMint,
            ownerTokenAccount: await tokenAccount(holderA.address),
            tokenProgram,
            amount: 1n,
        }),
    ]);
    const settledA = (await fetchPositionData(positionA)).staked;
    assert.equal(settledA, projectedA + 1n);
    const operatorSettled = await fetchOperatorData();
    assert.equal(operatorSettled.delegated, operatorData.delegated + 1n);
    assert.equal(operatorSettled.delegatedShares, operatorData.delegatedShares + 1n);
    assert.equal(
        settledA,
        delegatedStake(operatorSettled, (await fetchDelegation(net.rpc, delegationA, confirmed)).data),
    );
    assert.equal(delegatedStake(operatorSettled, delegationCData), 18n * S + 2n, "C's stake is unchanged by A's");
    assert.equal((await fetchPositionData(positionC)).staked, C_STAKE, 'C is still not settled');

    // Cancelling the ticket back to its operator returns what ticketValue projected.
    const positionANow = await fetchPositionData(positionA);
    const cancel = await net.send(holderA, [
        await getCancelUnbondInstructionAsync({
            owner: holderA,
            pool,
            ...(await positionDelegation(positionANow, positionA)),
            ticket,
            ticketOperator: ticketOperator(ticketNow, positionANow),
        }),
    ]);
    assert.equal(only(await eventsOf(cancel), 'unbondCancelled').amount, projectedTicket);
    const afterCancel = await fetchPoolData();
    assert.equal(afterCancel.totalUnbonding, poolData.totalUnbonding - projectedTicket);
    assert.equal(afterCancel.totalStaked, poolData.totalStaked + 1n + projectedTicket);
    const operatorAfterCancel = await fetchOperatorData();
    assert.equal(operatorAfterCancel.unbonding, 0n);
    assert.equal(operatorAfterCancel.openTickets, 0n);
    assert.deepEqual(operatorAfterCancel.ticketFactorQ, { low: 0n, high: 1n }, 'back to 1.0 with no ticket open');
    const stakeA = (await fetchPositionData(positionA)).staked;
    assert.equal(
        stakeA,
        delegatedStake(operatorAfterCancel, (await fetchDelegation(net.rpc, delegationA, confirmed)).data),
    );
    // Returning stake buys shares rounded down (floor(36,000,000 × 80,000,004 / 72,000,004) = 39,999,999),
    // which may show one unit less; here they are worth exactly what the ticket paid.
    assert.equal(stakeA, settledA + projectedTicket);

    // A higher maximum waits two unbonding periods; slashSettingsAt reads both sides of it.
    const beforeScheduling = await net.clusterTime();
    const scheduled = await net.send(net.payer, [
        getSetSlasherInstruction({
            authority: net.payer,
            pool,
            slashDestination: destination,
            slasher: slasher.address,
            maxSlashBps: 5_000,
        }),
    ]);
    const afterScheduling = await net.clusterTime();
    const { effectiveAt } = only(await eventsOf(scheduled), 'slashSettingsScheduled');
    poolData = await fetchPoolData();
    assert.equal(poolData.pendingSlashSettingsAt, effectiveAt);
    // Two unbonding periods of notice: one to react, one for the tickets of those who leave.
    const notice = 2n * UNBONDING_SECONDS;
    assert.ok(effectiveAt >= beforeScheduling + notice && effectiveAt <= afterScheduling + notice);
    assert.equal(slashingPossible(poolData), true);
    assert.deepEqual(slashSettingsAt(poolData, afterScheduling), settings);
    assert.deepEqual(slashSettingsAt(poolData, effectiveAt - 1n), settings);
    assert.deepEqual(slashSettingsAt(poolData, effectiveAt), { ...settings, maxSlashBps: 5_000 });

    // Removing the slasher applies at once (and drops the pending change): A may undelegate again.
    const removed = await net.send(net.payer, [
        getSetSlasherInstruction({ authority: net.payer, pool, slasher: null, maxSlashBps: 0 }),
    ]);
    assert.deepEqual(only(await eventsOf(removed), 'slashSettingsApplied'), {
        pool,
        slasher: NO_ADDRESS,
        slashDestination: NO_ADDRESS,
        maxSlashBps: 0,
    });
    poolData = await fetchPoolData();
    assert.equal(slashingPossible(poolData), false);
    assert.deepEqual(slashSettingsAt(poolData, effectiveAt), {
        slasher: NO_ADDRESS,
        destination: NO_ADDRESS,
        maxSlashBps: 0,
    });
    await net.send(holderA, [await getUndelegateInstructionAsync({ owner: holderA, pool, operator })]);
    const undelegated = await fetchPositionData(positionA);
    assert.equal(undelegated.operator, NO_ADDRESS);
    assert.equal(undelegated.staked, stakeA);
});
