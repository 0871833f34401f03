// The program's users through the generated client, against a real
// `staking-localnet`: a protocol team (pools on SPL Token and Token-2022,
// streams, funding), a holder (stake, claim, compound, unstake, cancel,
// withdraw), an operator (register, delegation, commission, redelegate,
// undelegate), events over logsSubscribe, errors by name, and the accounts as
// the Rust CLI shows them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AccountRole, generateKeyPairSigner, type AccountMeta, type Address, type Instruction, type KeyPairSigner } from '@solana/kit';
import {
    decodeStakingEvents,
    fetchDelegation,
    fetchMaybeDelegation,
    fetchMaybeUnbondTicket,
    fetchOperator,
    fetchPool,
    fetchPosition,
    fetchUnbondTicket,
    findCompoundRewardVault,
    findDelegationPda,
    findOperatorPda,
    findOwnerPosition,
    findPoolPda,
    findTokenAccount,
    getAddRewardStreamInstructionAsync,
    getCancelUnbondInstructionAsync,
    getClaimCommissionInstructionAsync,
    getClaimRewardsInstructionAsync,
    getCompoundInstructionAsync,
    getDelegationSize,
    getDelegateInstructionAsync,
    getFundRewardsInstructionAsync,
    getInitializePoolInstructionAsync,
    getOpenPositionInstructionAsync,
    getRedelegateInstructionAsync,
    getRegisterOperatorInstructionAsync,
    getStakeInstructionAsync,
    getStakingErrorMessage,
    getUndelegateInstructionAsync,
    getUnstakeInstructionAsync,
    getWithdrawInstructionAsync,
    isStakingError,
    NO_ADDRESS,
    positionDelegation,
    STAKING_ERROR__BELOW_MINIMUM_STAKE,
    STAKING_ERROR__NOT_POOL_AUTHORITY,
    STAKING_PROGRAM_ADDRESS,
    stakeAccounts,
    ticketOperator,
    TOKEN_2022_PROGRAM_ADDRESS,
    TOKEN_PROGRAM_ADDRESS,
    withClaimedStreams,
    type StakingError,
} from '@staking/client';
import { stakingJson, startLocalnet, type Localnet } from './localnet';

const NO_MINT_AUTHORITIES = { freeze: false, transferFee: false };
const U64_MAX = 2n ** 64n - 1n;
/** Base units of the stake mints (6 decimals). */
const S = 1_000_000n;
/** Base units of the reward mints (9 decimals). */
const R = 1_000_000_000n;
const UNBONDING_SECONDS = 2n;
const MIN_STAKE = 1_000n;

let net: Localnet;

/** What the protocol team's test creates and the later tests use. */
type PoolSetup = {
    pool: Address;
    stakeMint: Address;
    stakeProgram: Address;
    rewardMint: Address;
    rewardProgram: Address;
};
let spl: PoolSetup;
let t22: PoolSetup;

before(async () => {
    net = await startLocalnet(19_500, 19_600);
});
after(async () => {
    await net?.stop();
});

async function balance(account: Address): Promise<bigint> {
    const { value } = await net.rpc.getTokenAccountBalance(account, { commitment: 'confirmed' }).send();
    return BigInt(value.amount);
}

async function pool(address: Address) {
    return (await fetchPool(net.rpc, address, { commitment: 'confirmed' })).data;
}

async function position(poolAddress: Address, owner: Address) {
    return (await fetchPosition(net.rpc, await findOwnerPosition(poolAddress, owner), { commitment: 'confirmed' })).data;
}

/** A holder (funded with SOL) holding `stake` UI tokens of the stake mint and token accounts for every reward mint. */
async function newHolder(setup: PoolSetup, stake: string): Promise<{ signer: KeyPairSigner; path: string }> {
    const user = await net.createUser();
    // Minting creates the user's associated token accounts (claims pay into existing ones).
    await net.send(net.payer, [
        ...(await mintToInstructions(setup.stakeMint, setup.stakeProgram, user.signer.address, stake)),
        ...(await mintToInstructions(setup.rewardMint, setup.rewardProgram, user.signer.address, '0.000000001')),
    ]);
    return user;
}

/** Mints more of an existing mint (the payer is every test mint's authority) into the owner's associated account, created if missing. */
async function mintToInstructions(mint: Address, tokenProgram: Address, owner: Address, ui: string): Promise<Instruction[]> {
    const decimals = (await net.rpc.getTokenSupply(mint, { commitment: 'confirmed' }).send()).value.decimals;
    const [whole, fraction = ''] = ui.split('.');
    const amount = BigInt(whole + fraction.padEnd(decimals, '0'));
    const ata = await findTokenAccount(owner, mint, tokenProgram);
    const createIdempotent: Instruction = {
        programAddress: 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL' as Address,
        accounts: [
            { address: net.payer.address, role: AccountRole.WRITABLE_SIGNER, signer: net.payer } as AccountMeta,
            { address: ata, role: AccountRole.WRITABLE },
            { address: owner, role: AccountRole.READONLY },
            { address: mint, role: AccountRole.READONLY },
            { address: '11111111111111111111111111111111' as Address, role: AccountRole.READONLY },
            { address: tokenProgram, role: AccountRole.READONLY },
        ],
        data: new Uint8Array([1]),
    };
    const data = new Uint8Array(9);
    data[0] = 7; // MintTo
    new DataView(data.buffer).setBigUint64(1, amount, true);
    const mintToIx: Instruction = {
        programAddress: tokenProgram,
        accounts: [
            { address: mint, role: AccountRole.WRITABLE },
            { address: ata, role: AccountRole.WRITABLE },
            { address: net.payer.address, role: AccountRole.READONLY_SIGNER, signer: net.payer } as AccountMeta,
        ],
        data,
    };
    return [createIdempotent, mintToIx];
}

/** The Solana error code a failed send carries (kit nests the instruction error as the cause of a preflight failure). */
function customError(error: unknown): { code: number; index: number; found: unknown } | undefined {
    for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
        const context = (e as { context?: { code?: unknown; index?: unknown } }).context;
        if (context && typeof context.code === 'number' && typeof context.index === 'number') {
            return { code: context.code, index: context.index, found: e };
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
    assert.ok(failure, 'the transaction should have failed');
    const custom = customError(failure);
    assert.ok(custom, `no custom program error in ${String(failure)}`);
    assert.equal(custom.code, expected);
    assert.ok(isStakingError(custom.found, { instructions }, expected), 'isStakingError should recognise it');
    assert.equal(getStakingErrorMessage(custom.code as StakingError), getStakingErrorMessage(expected));
    // The program's logs name the error the generated constant stands for.
    assert.match(String((failure as Error).message), new RegExp(`Error Code: ${expectedName}\\b`));
}

test('protocol team: pools on SPL Token and Token-2022, two streams each, funded', async () => {
    const splStake = await net.createMint({ decimals: 6, mintTo: [[net.payer.address, '10000']] });
    const splReward = await net.createMint({ decimals: 9, mintTo: [[net.payer.address, '100000']] });
    const t22Stake = await net.createMint({ decimals: 6, token2022: true, mintTo: [[net.payer.address, '10000']] });
    const t22Reward = await net.createMint({ decimals: 9, token2022: true, mintTo: [[net.payer.address, '100000']] });
    spl = { pool: '' as Address, stakeMint: splStake, stakeProgram: TOKEN_PROGRAM_ADDRESS, rewardMint: splReward, rewardProgram: TOKEN_PROGRAM_ADDRESS };
    t22 = { pool: '' as Address, stakeMint: t22Stake, stakeProgram: TOKEN_2022_PROGRAM_ADDRESS, rewardMint: t22Reward, rewardProgram: TOKEN_2022_PROGRAM_ADDRESS };

    for (const [setup, poolId] of [[spl, 7n], [t22, 8n]] as const) {
        [setup.pool] = await findPoolPda({ stakeMint: setup.stakeMint, authority: net.payer.address, poolId });
        // Stream 0 pays the reward mint, stream 1 the stake mint (so it can be compounded).
        const streams = [
            [setup.rewardMint, setup.rewardProgram, 1_000n * R],
            [setup.stakeMint, setup.stakeProgram, 1_000n * S],
        ] as const;
        const instructions: Instruction[] = [
            await getInitializePoolInstructionAsync({
                authority: net.payer,
                stakeMint: setup.stakeMint,
                tokenProgram: setup.stakeProgram,
                poolId,
                unbondingPeriod: UNBONDING_SECONDS,
                minStake: MIN_STAKE,
                maxTotalStake: U64_MAX,
                operatorApprovalRequired: false,
                maxCommissionBps: 2_000,
                maxOperatorShareBps: 10_000,
                acceptedMintAuthorities: NO_MINT_AUTHORITIES,
            }),
        ];
        for (const [mint, program] of streams) {
            instructions.push(
                await getAddRewardStreamInstructionAsync({
                    authority: net.payer,
                    pool: setup.pool,
                    rewardMint: mint,
                    tokenProgram: program,
                    acceptedMintAuthorities: NO_MINT_AUTHORITIES,
                }),
            );
        }
        for (const [index, [mint, program, amount]] of streams.entries()) {
            instructions.push(
                await getFundRewardsInstructionAsync({
                    authority: net.payer,
                    pool: setup.pool,
                    rewardMint: mint,
                    funderTokenAccount: await findTokenAccount(net.payer.address, mint, program),
                    tokenProgram: program,
                    streamIndex: index,
                    amount,
                    duration: 1_000n,
                }),
            );
        }
        const payerReward = await findTokenAccount(net.payer.address, setup.rewardMint, setup.rewardProgram);
        const rewardBefore = await balance(payerReward);
        await net.send(net.payer, instructions);

        const decoded = await pool(setup.pool);
        assert.equal(decoded.stakeMint, setup.stakeMint);
        assert.equal(decoded.stakeTokenProgram, setup.stakeProgram);
        assert.equal(decoded.authority, net.payer.address);
        assert.equal(decoded.creator, net.payer.address);
        assert.equal(decoded.poolId, poolId);
        assert.equal(decoded.unbondingPeriod, UNBONDING_SECONDS);
        assert.equal(decoded.minStake, MIN_STAKE);
        assert.equal(decoded.totalStaked, 0n);
        assert.equal(decoded.rewardStreamCount, 2);
        assert.equal(decoded.stakeDecimals, 6);
        for (const [index, [mint, program, amount]] of streams.entries()) {
            const stream = decoded.rewardStreams[index];
            assert.equal(stream.rewardMint, mint);
            assert.equal(stream.rewardTokenProgram, program);
            assert.equal(stream.totalFunded, amount);
            assert.equal(stream.totalClaimed, 0n);
            assert.equal(stream.periodEnd - stream.lastUpdate, 1_000n);
            assert.equal(await balance(stream.rewardVault), amount, `stream ${index}'s vault holds its funding`);
        }
        assert.equal(rewardBefore - (await balance(payerReward)), 1_000n * R);
        assert.equal(await balance(decoded.stakeVault), 0n, 'the stake vault is apart from the stake-mint stream\'s vault');
    }
});

test('holder: stake, claim every stream, compound, unstake into two tickets, cancel one, withdraw the other', async () => {
    for (const setup of [spl, t22]) {
        const { signer: holder } = await newHolder(setup, '1000');
        const holderStake = await findTokenAccount(holder.address, setup.stakeMint, setup.stakeProgram);
        const holderReward = await findTokenAccount(holder.address, setup.rewardMint, setup.rewardProgram);
        const before = await pool(setup.pool);

        // open + stake in one transaction (the clock read before sending bounds the stake's time from below)
        const stakedAt = await net.clusterTime();
        await net.send(holder, [
            await getOpenPositionInstructionAsync({ owner: holder, pool: setup.pool }),
            await getStakeInstructionAsync({
                owner: holder,
                pool: setup.pool,
                stakeMint: setup.stakeMint,
                ownerTokenAccount: holderStake,
                tokenProgram: setup.stakeProgram,
                amount: 100n * S,
            }),
        ]);
        assert.equal(await balance(holderStake), 900n * S);
        assert.equal((await pool(setup.pool)).totalStaked, before.totalStaked + 100n * S);
        let pos = await position(setup.pool, holder.address);
        assert.equal(pos.staked, 100n * S);
        assert.equal(pos.owner, holder.address);
        assert.equal(pos.pool, setup.pool);
        assert.equal(pos.operator, NO_ADDRESS);

        // claim every stream
        await net.waitClusterSeconds(3);
        const stakeVaultBefore = await balance(before.stakeVault);
        const claim = await getClaimRewardsInstructionAsync({ owner: holder, pool: setup.pool, streamIndex: null });
        await net.send(holder, [await withClaimedStreams(claim, await pool(setup.pool), holder.address, null)]);
        const claimedAt = await net.clusterTime();
        const afterClaim = await pool(setup.pool);
        const rewardClaimed = (await balance(holderReward)) - 1n;
        const stakeClaimed = (await balance(holderStake)) - 900n * S;
        // 1,000 reward tokens (and 1,000 stake tokens) over 1,000 s to the only staker: 1 a second.
        const seconds = claimedAt - stakedAt;
        assert.ok(rewardClaimed >= 2n * R && rewardClaimed <= seconds * R, `claimed ${rewardClaimed} of stream 0 in ≤${seconds} s`);
        assert.ok(stakeClaimed >= 2n * S && stakeClaimed <= seconds * S, `claimed ${stakeClaimed} of stream 1 in ≤${seconds} s`);
        assert.equal(afterClaim.rewardStreams[0].totalClaimed - before.rewardStreams[0].totalClaimed, rewardClaimed);
        assert.equal(afterClaim.rewardStreams[1].totalClaimed - before.rewardStreams[1].totalClaimed, stakeClaimed);
        assert.equal(await balance(afterClaim.stakeVault), stakeVaultBefore, 'claims leave the stake vault alone');

        // compound the stream paying the stake mint: vault to vault
        await net.waitClusterSeconds(2);
        const compoundVault = await findCompoundRewardVault(setup.pool, afterClaim);
        assert.equal(compoundVault, afterClaim.rewardStreams[1].rewardVault);
        const compoundVaultBefore = await balance(compoundVault);
        await net.send(holder, [
            await getCompoundInstructionAsync({
                owner: holder,
                pool: setup.pool,
                ...stakeAccounts(afterClaim),
                rewardVault: compoundVault,
                streamIndex: 1,
            }),
        ]);
        pos = await position(setup.pool, holder.address);
        const compounded = pos.staked - 100n * S;
        assert.ok(compounded >= 2n * S, `compounded ${compounded}`);
        assert.equal(compoundVaultBefore - (await balance(compoundVault)), compounded);
        assert.equal((await balance(afterClaim.stakeVault)) - stakeVaultBefore, compounded);
        assert.equal((await pool(setup.pool)).totalStaked, before.totalStaked + 100n * S + compounded);
        assert.equal(await balance(holderStake), 900n * S + stakeClaimed, 'compounding pays nothing out');

        // unstake into two tickets (fresh keypairs) in one transaction
        const [cancelled, withdrawn] = [await generateKeyPairSigner(), await generateKeyPairSigner()];
        await net.send(holder, [
            await getUnstakeInstructionAsync({ owner: holder, pool: setup.pool, ticket: cancelled, amount: 10n * S }),
            await getUnstakeInstructionAsync({ owner: holder, pool: setup.pool, ticket: withdrawn, amount: 20n * S }),
        ]);
        const afterUnstake = await pool(setup.pool);
        assert.equal(afterUnstake.totalUnbonding, before.totalUnbonding + 30n * S);
        assert.equal(afterUnstake.totalStaked, before.totalStaked + 70n * S + compounded);
        pos = await position(setup.pool, holder.address);
        assert.equal(pos.staked, 70n * S + compounded);
        assert.equal(pos.openTickets, 2);
        const positionAddress = await findOwnerPosition(setup.pool, holder.address);
        for (const [ticket, amount, id] of [[cancelled, 10n * S, 0n], [withdrawn, 20n * S, 1n]] as const) {
            const decoded = (await fetchUnbondTicket(net.rpc, ticket.address, { commitment: 'confirmed' })).data;
            assert.equal(decoded.amount, amount);
            assert.equal(decoded.owner, holder.address);
            assert.equal(decoded.pool, setup.pool);
            assert.equal(decoded.position, positionAddress);
            assert.equal(decoded.operator, NO_ADDRESS);
            assert.equal(decoded.id, id);
            assert.equal(decoded.unlockAt - decoded.createdAt, UNBONDING_SECONDS);
        }

        // cancel the first: back to stake, ticket closed
        const cancelledTicket = (await fetchUnbondTicket(net.rpc, cancelled.address)).data;
        await net.send(holder, [
            await getCancelUnbondInstructionAsync({
                owner: holder,
                pool: setup.pool,
                ticket: cancelled.address,
                ticketOperator: ticketOperator(cancelledTicket),
            }),
        ]);
        assert.equal((await fetchMaybeUnbondTicket(net.rpc, cancelled.address, { commitment: 'confirmed' })).exists, false);
        pos = await position(setup.pool, holder.address);
        assert.equal(pos.staked, 80n * S + compounded);
        assert.equal(pos.openTickets, 1);
        assert.equal((await pool(setup.pool)).totalUnbonding, before.totalUnbonding + 20n * S);

        // withdraw the second once unlocked (on the cluster's clock)
        const ticket = (await fetchUnbondTicket(net.rpc, withdrawn.address, { commitment: 'confirmed' })).data;
        while ((await net.clusterTime()) < ticket.unlockAt) await net.waitClusterSeconds(1);
        const holderBefore = await balance(holderStake);
        const vaultBefore = await balance(afterClaim.stakeVault);
        await net.send(holder, [
            await getWithdrawInstructionAsync({
                owner: holder,
                pool: setup.pool,
                ticket: withdrawn.address,
                ...stakeAccounts(afterUnstake),
                ownerTokenAccount: holderStake,
                ticketOperator: ticketOperator(ticket),
            }),
        ]);
        assert.equal((await balance(holderStake)) - holderBefore, 20n * S);
        assert.equal(vaultBefore - (await balance(afterClaim.stakeVault)), 20n * S);
        assert.equal((await fetchMaybeUnbondTicket(net.rpc, withdrawn.address, { commitment: 'confirmed' })).exists, false);
        const end = await pool(setup.pool);
        assert.equal(end.totalUnbonding, before.totalUnbonding);
        assert.equal(end.totalStaked, before.totalStaked + 80n * S + compounded);
        assert.equal((await position(setup.pool, holder.address)).openTickets, 0);
    }
});

test('operator: register, a holder delegates, commission accrues and is claimed, redelegate, undelegate', async () => {
    const setup = spl;
    const registerOperator = async (commissionBps: number, name: string) => {
        const { signer } = await net.createUser();
        await net.send(net.payer, await mintToInstructions(setup.rewardMint, setup.rewardProgram, signer.address, '0.000000001'));
        await net.send(signer, [
            await getRegisterOperatorInstructionAsync({ authority: signer, pool: setup.pool, commissionBps, name }),
        ]);
        const [address] = await findOperatorPda({ pool: setup.pool, authority: signer.address });
        const decoded = (await fetchOperator(net.rpc, address, { commitment: 'confirmed' })).data;
        assert.equal(decoded.authority, signer.address);
        assert.equal(decoded.pool, setup.pool);
        assert.equal(decoded.commissionBps, commissionBps);
        assert.equal(decoded.active, 1);
        assert.equal(new TextDecoder().decode(decoded.name).replace(/\0+$/, ''), name);
        assert.equal(decoded.delegated, 0n);
        return { signer, address };
    };
    const first = await registerOperator(1_000, 'first-validator');
    const second = await registerOperator(500, 'second-validator');

    // A new holder stakes and delegates in one transaction.
    const { signer: holder } = await newHolder(setup, '100');
    const holderStake = await findTokenAccount(holder.address, setup.stakeMint, setup.stakeProgram);
    const otherStake = (await pool(setup.pool)).totalStaked;
    const delegatedAt = await net.clusterTime();
    await net.send(holder, [
        await getOpenPositionInstructionAsync({ owner: holder, pool: setup.pool }),
        await getStakeInstructionAsync({
            owner: holder,
            pool: setup.pool,
            stakeMint: setup.stakeMint,
            ownerTokenAccount: holderStake,
            tokenProgram: setup.stakeProgram,
            amount: 50n * S,
        }),
        await getDelegateInstructionAsync({ owner: holder, pool: setup.pool, operator: first.address }),
    ]);
    const positionAddress = await findOwnerPosition(setup.pool, holder.address);
    const [delegationAddress] = await findDelegationPda({ position: positionAddress });
    let pos = await position(setup.pool, holder.address);
    assert.equal(pos.operator, first.address);
    assert.deepEqual(await positionDelegation(pos, positionAddress), { operator: first.address, delegation: delegationAddress });
    const delegation = (await fetchDelegation(net.rpc, delegationAddress, { commitment: 'confirmed' })).data;
    assert.equal(delegation.position, positionAddress);
    assert.equal(delegation.operator, first.address);
    assert.equal(delegation.owner, holder.address);
    assert.equal((await fetchOperator(net.rpc, first.address, { commitment: 'confirmed' })).data.delegated, 50n * S);

    // A delegated position's stake passes its operator and delegation.
    await net.send(holder, [
        await getStakeInstructionAsync({
            owner: holder,
            pool: setup.pool,
            ...(await positionDelegation(pos, positionAddress)),
            stakeMint: setup.stakeMint,
            ownerTokenAccount: holderStake,
            tokenProgram: setup.stakeProgram,
            amount: 10n * S,
        }),
    ]);
    assert.equal((await fetchOperator(net.rpc, first.address, { commitment: 'confirmed' })).data.delegated, 60n * S);

    // Rewards accrue; the operator claims its commission on stream 0.
    await net.waitClusterSeconds(3);
    const destination = await findTokenAccount(first.signer.address, setup.rewardMint, setup.rewardProgram);
    const destinationBefore = await balance(destination);
    const rewardVault = (await pool(setup.pool)).rewardStreams[0].rewardVault;
    const vaultBefore = await balance(rewardVault);
    await net.send(first.signer, [
        await getClaimCommissionInstructionAsync({
            authority: first.signer,
            pool: setup.pool,
            rewardMint: setup.rewardMint,
            destination,
            tokenProgram: setup.rewardProgram,
            streamIndex: 0,
        }),
    ]);
    const commission = (await balance(destination)) - destinationBefore;
    // Stream 0 pays 1 token a second to the whole pool, of which this operator's
    // delegators hold at most 60 / (60 + the rest); the operator takes 10% of that.
    const elapsed = (await net.clusterTime()) - delegatedAt;
    const ceiling = (elapsed * R * 60n * S * 1_000n) / ((60n * S + otherStake) * 10_000n);
    assert.ok(otherStake >= 80n * S, `the holder test left ${otherStake} staked`);
    assert.ok(commission > 0n && commission <= ceiling, `commission ${commission}, at most ${ceiling} in ${elapsed} s`);
    assert.equal(vaultBefore - (await balance(rewardVault)), commission);
    const firstAfterClaim = (await fetchOperator(net.rpc, first.address, { commitment: 'confirmed' })).data;
    assert.equal(firstAfterClaim.streams[0].commissionClaimed, commission);
    assert.equal(firstAfterClaim.streams[0].commissionOwed, 0n);

    // Redelegate to the second operator, then undelegate.
    await net.send(holder, [
        await getRedelegateInstructionAsync({
            owner: holder,
            pool: setup.pool,
            operator: first.address,
            newOperator: second.address,
        }),
    ]);
    assert.equal((await fetchOperator(net.rpc, first.address, { commitment: 'confirmed' })).data.delegated, 0n);
    assert.equal((await fetchOperator(net.rpc, second.address, { commitment: 'confirmed' })).data.delegated, 60n * S);
    assert.equal((await fetchDelegation(net.rpc, delegationAddress, { commitment: 'confirmed' })).data.operator, second.address);
    assert.equal((await position(setup.pool, holder.address)).operator, second.address);

    const lamportsBefore = (await net.rpc.getBalance(holder.address, { commitment: 'confirmed' }).send()).value;
    await net.send(holder, [
        await getUndelegateInstructionAsync({ owner: holder, pool: setup.pool, operator: second.address }),
    ]);
    pos = await position(setup.pool, holder.address);
    assert.equal(pos.operator, NO_ADDRESS);
    assert.equal(pos.staked, 60n * S);
    assert.equal((await fetchOperator(net.rpc, second.address, { commitment: 'confirmed' })).data.delegated, 0n);
    assert.equal((await fetchMaybeDelegation(net.rpc, delegationAddress, { commitment: 'confirmed' })).exists, false);
    // The delegation's rent comes back, less the 5,000-lamport fee.
    const lamportsAfter = (await net.rpc.getBalance(holder.address, { commitment: 'confirmed' }).send()).value;
    const delegationRent = await net.rpc
        .getMinimumBalanceForRentExemption(BigInt(getDelegationSize()), { commitment: 'confirmed' })
        .send();
    assert.equal(lamportsAfter - lamportsBefore, delegationRent - 5_000n);
});

test('events: a stake seen through logsSubscribe decodes to a Staked event', async () => {
    const setup = t22;
    const { signer: holder } = await newHolder(setup, '10');
    const abort = new AbortController();
    try {
        const notifications = await net.rpcSubscriptions
            .logsNotifications({ mentions: [STAKING_PROGRAM_ADDRESS] }, { commitment: 'confirmed' })
            .subscribe({ abortSignal: abort.signal });
        // Kit delivers only what arrives once an iterator is polling (notifications
        // before the first `next()` are dropped): start reading before sending.
        const seen = new Map<string, { err: unknown; logs: readonly string[] }>();
        let wake = () => {};
        const reading = (async () => {
            for await (const notification of notifications) {
                seen.set(notification.value.signature, notification.value);
                wake();
            }
        })();
        const poolBefore = await pool(setup.pool);
        const signature = await net.send(holder, [
            await getOpenPositionInstructionAsync({ owner: holder, pool: setup.pool }),
            await getStakeInstructionAsync({
                owner: holder,
                pool: setup.pool,
                stakeMint: setup.stakeMint,
                ownerTokenAccount: await findTokenAccount(holder.address, setup.stakeMint, setup.stakeProgram),
                tokenProgram: setup.stakeProgram,
                amount: 3n * S,
            }),
        ]);
        const deadline = Date.now() + 30_000;
        while (!seen.has(signature) && Date.now() < deadline) {
            await new Promise<void>((resolve) => {
                wake = resolve;
                setTimeout(resolve, 500);
            });
        }
        abort.abort();
        await reading;
        const notification = seen.get(signature);
        assert.ok(notification, `no log notification for the stake ${signature} within 30 s (${seen.size} others)`);
        assert.equal(notification.err, null);
        const logs = notification.logs;
        const events = decodeStakingEvents(logs);
        assert.deepEqual(
            events.map((event) => event.name),
            ['positionOpened', 'staked'],
        );
        const staked = events.find((event) => event.name === 'staked');
        assert.ok(staked && staked.name === 'staked');
        assert.equal(staked.data.amount, 3n * S);
        assert.equal(staked.data.owner, holder.address);
        assert.equal(staked.data.pool, setup.pool);
        assert.equal(staked.data.positionStaked, 3n * S);
        assert.equal(staked.data.poolStaked, poolBefore.totalStaked + 3n * S);
    } finally {
        abort.abort();
    }
});

test('errors: program error codes decode to the generated names and messages', async () => {
    const setup = spl;
    const { signer: holder } = await newHolder(setup, '1');
    const belowMinimum = [
        await getOpenPositionInstructionAsync({ owner: holder, pool: setup.pool }),
        await getStakeInstructionAsync({
            owner: holder,
            pool: setup.pool,
            stakeMint: setup.stakeMint,
            ownerTokenAccount: await findTokenAccount(holder.address, setup.stakeMint, setup.stakeProgram),
            tokenProgram: setup.stakeProgram,
            amount: MIN_STAKE - 1n,
        }),
    ];
    await sendExpectingStakingError(holder, belowMinimum, STAKING_ERROR__BELOW_MINIMUM_STAKE, 'BelowMinimumStake');
    assert.equal(getStakingErrorMessage(STAKING_ERROR__BELOW_MINIMUM_STAKE), "The position's stake would be below the pool's minimum stake");

    // Someone other than the authority funds a stream.
    const notAuthority = [
        await getFundRewardsInstructionAsync({
            authority: holder,
            pool: setup.pool,
            rewardMint: setup.stakeMint,
            funderTokenAccount: await findTokenAccount(holder.address, setup.stakeMint, setup.stakeProgram),
            tokenProgram: setup.stakeProgram,
            streamIndex: 1,
            amount: 1n,
            duration: 100n,
        }),
    ];
    await sendExpectingStakingError(holder, notAuthority, STAKING_ERROR__NOT_POOL_AUTHORITY, 'NotPoolAuthority');
    assert.equal(getStakingErrorMessage(STAKING_ERROR__NOT_POOL_AUTHORITY), "The signer is not this pool's authority");
});

/** A token amount in the CLI's JSON: `{ui, base_units}`, or a bare number. */
function baseUnits(value: unknown): bigint {
    if (value && typeof value === 'object' && 'base_units' in value) return BigInt((value as { base_units: number | string }).base_units);
    return BigInt(value as number | string);
}

test('accounts: the Rust CLI shows what the TypeScript client decodes', async () => {
    for (const setup of [spl, t22]) {
        const { signer: holder, path } = await newHolder(setup, '10');
        await net.send(holder, [
            await getOpenPositionInstructionAsync({ owner: holder, pool: setup.pool }),
            await getStakeInstructionAsync({
                owner: holder,
                pool: setup.pool,
                stakeMint: setup.stakeMint,
                ownerTokenAccount: await findTokenAccount(holder.address, setup.stakeMint, setup.stakeProgram),
                tokenProgram: setup.stakeProgram,
                amount: 4n * S,
            }),
            await getUnstakeInstructionAsync({ owner: holder, pool: setup.pool, ticket: await generateKeyPairSigner(), amount: 1n * S }),
        ]);
        const decoded = await pool(setup.pool);
        const cli = (await stakingJson(net, path, ['pool', setup.pool])) as Record<string, any>;
        assert.equal(cli.address, setup.pool);
        assert.equal(cli.stake_mint, decoded.stakeMint);
        assert.equal(cli.creator, decoded.creator);
        assert.equal(cli.authority, decoded.authority);
        assert.equal(BigInt(cli.pool_id), decoded.poolId);
        assert.equal(baseUnits(cli.total_staked), decoded.totalStaked);
        assert.equal(baseUnits(cli.total_unbonding), decoded.totalUnbonding);
        assert.ok(decoded.totalUnbonding >= 1n * S);
        assert.equal(baseUnits(cli.min_stake), decoded.minStake);
        assert.equal(cli.streams.length, decoded.rewardStreamCount);
        for (const [index, stream] of decoded.rewardStreams.slice(0, decoded.rewardStreamCount).entries()) {
            assert.equal(cli.streams[index].index, index);
            assert.equal(cli.streams[index].reward_mint, stream.rewardMint);
            assert.equal(cli.streams[index].reward_vault, stream.rewardVault);
            assert.equal(baseUnits(cli.streams[index].total_funded), stream.totalFunded);
            assert.equal(baseUnits(cli.streams[index].total_claimed), stream.totalClaimed);
            assert.equal(BigInt(cli.streams[index].period_end), stream.periodEnd);
        }

        const positionAddress = await findOwnerPosition(setup.pool, holder.address);
        const decodedPosition = await position(setup.pool, holder.address);
        const cliPosition = (await stakingJson(net, path, ['position', setup.pool])) as Record<string, any>;
        assert.equal(cliPosition.address, positionAddress);
        assert.equal(cliPosition.pool, setup.pool);
        assert.equal(cliPosition.owner, holder.address);
        assert.equal(baseUnits(cliPosition.staked), decodedPosition.staked);
        assert.equal(decodedPosition.staked, 3n * S);
        assert.equal(cliPosition.operator, null);
        assert.equal(cliPosition.tickets.length, 1);
        assert.equal(baseUnits(cliPosition.tickets[0].amount), 1n * S);
        const ticket = (await fetchUnbondTicket(net.rpc, cliPosition.tickets[0].address, { commitment: 'confirmed' })).data;
        assert.equal(ticket.amount, 1n * S);
        assert.equal(BigInt(cliPosition.tickets[0].unlock_at), ticket.unlockAt);
    }
});
