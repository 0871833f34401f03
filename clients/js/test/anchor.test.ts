// The program through Anchor's own TypeScript client (`@anchor-lang/core`, the
// 1.x name of `@coral-xyz/anchor`) and the committed IDL, as many teams use
// it: accounts decode as the Codama client decodes them, and a `stake` sent
// with `program.methods` lets Anchor resolve the PDAs and relations the IDL
// declares.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AnchorProvider, BN, Program, Wallet, type Idl } from '@anchor-lang/core';
import { Connection, Keypair, PublicKey } from '@solana/web3.js';
import { type Address } from '@solana/kit';
import {
    fetchPool,
    fetchPosition,
    findOwnerPosition,
    findPoolPda,
    findTokenAccount,
    getAddRewardStreamInstructionAsync,
    getFundRewardsInstructionAsync,
    getInitializePoolInstructionAsync,
    STAKING_PROGRAM_ADDRESS,
    TOKEN_PROGRAM_ADDRESS,
} from '@staking/client';
import { REPO, startLocalnet, type Localnet } from './localnet';

const S = 1_000_000n;
let net: Localnet;
let connection: Connection | undefined;

before(async () => {
    net = await startLocalnet(19_700, 19_800);
});
after(async () => {
    // web3.js keeps the WebSocket it confirmed transactions over and, once the
    // validator is gone, reconnects to it forever (keeping Node alive): close
    // it first (code 1000, which rpc-websockets does not reconnect after).
    (connection as unknown as { _rpcWebSocket?: { close(): void } } | undefined)?._rpcWebSocket?.close();
    await net?.stop();
});

const big = (value: BN) => BigInt(value.toString());
const key = (value: PublicKey) => value.toBase58();

test('@anchor-lang/core: Program with the IDL fetches a Codama-created pool and stakes', async () => {
    // A pool with one funded stream, created through the Codama client; the payer also stakes.
    const stakeMint = await net.createMint({ decimals: 6, mintTo: [[net.payer.address, '1000']] });
    const rewardMint = await net.createMint({ decimals: 9, mintTo: [[net.payer.address, '1000']] });
    const [pool] = await findPoolPda({ stakeMint, authority: net.payer.address, poolId: 3n });
    await net.send(net.payer, [
        await getInitializePoolInstructionAsync({
            authority: net.payer,
            stakeMint,
            tokenProgram: TOKEN_PROGRAM_ADDRESS,
            poolId: 3n,
            unbondingPeriod: 60n,
            minStake: 1_000n,
            maxTotalStake: 2n ** 64n - 1n,
            operatorApprovalRequired: false,
            maxCommissionBps: 1_000,
            maxOperatorShareBps: 5_000,
            acceptedMintAuthorities: { freeze: false, transferFee: false },
        }),
        await getAddRewardStreamInstructionAsync({
            authority: net.payer,
            pool,
            rewardMint,
            tokenProgram: TOKEN_PROGRAM_ADDRESS,
            acceptedMintAuthorities: { freeze: false, transferFee: false },
        }),
        await getFundRewardsInstructionAsync({
            authority: net.payer,
            pool,
            rewardMint,
            funderTokenAccount: await findTokenAccount(net.payer.address, rewardMint, TOKEN_PROGRAM_ADDRESS),
            tokenProgram: TOKEN_PROGRAM_ADDRESS,
            streamIndex: 0,
            amount: 500n * 1_000_000_000n,
            duration: 500n,
        }),
    ]);

    const idl = JSON.parse(readFileSync(join(REPO, 'idl/staking.json'), 'utf8')) as Idl;
    const payer = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(net.payerPath, 'utf8'))));
    connection = new Connection(net.url, { commitment: 'confirmed', wsEndpoint: net.wsUrl });
    const provider = new AnchorProvider(connection, new Wallet(payer), {
        commitment: 'confirmed',
        preflightCommitment: 'confirmed',
    });
    const program = new Program(idl, provider);
    // The IDL is read at run time, so its account names are not in the type.
    const accounts = program.account as unknown as Record<string, { fetch(address: PublicKey): Promise<any> }>;
    assert.equal(program.programId.toBase58(), STAKING_PROGRAM_ADDRESS);

    // The same pool, decoded by Anchor and by the Codama client.
    const compare = async () => {
        const anchorPool = await accounts.pool.fetch(new PublicKey(pool));
        const codamaPool = (await fetchPool(net.rpc, pool, { commitment: 'confirmed' })).data;
        assert.equal(key(anchorPool.stakeMint), codamaPool.stakeMint);
        assert.equal(key(anchorPool.authority), codamaPool.authority);
        assert.equal(key(anchorPool.creator), codamaPool.creator);
        assert.equal(key(anchorPool.stakeVault), codamaPool.stakeVault);
        assert.equal(key(anchorPool.stakeTokenProgram), codamaPool.stakeTokenProgram);
        assert.equal(big(anchorPool.poolId), codamaPool.poolId);
        assert.equal(big(anchorPool.totalStaked), codamaPool.totalStaked);
        assert.equal(big(anchorPool.totalUnbonding), codamaPool.totalUnbonding);
        assert.equal(big(anchorPool.unbondingPeriod), codamaPool.unbondingPeriod);
        assert.equal(big(anchorPool.minStake), codamaPool.minStake);
        assert.equal(big(anchorPool.maxTotalStake), codamaPool.maxTotalStake);
        assert.equal(anchorPool.rewardStreamCount, codamaPool.rewardStreamCount);
        assert.equal(anchorPool.maxCommissionBps, codamaPool.maxCommissionBps);
        assert.equal(anchorPool.maxOperatorShareBps, codamaPool.maxOperatorShareBps);
        assert.equal(anchorPool.rewardStreams.length, codamaPool.rewardStreams.length);
        const [anchorStream, codamaStream] = [anchorPool.rewardStreams[0], codamaPool.rewardStreams[0]];
        assert.equal(key(anchorStream.rewardMint), codamaStream.rewardMint);
        assert.equal(key(anchorStream.rewardVault), codamaStream.rewardVault);
        assert.equal(big(anchorStream.totalFunded), codamaStream.totalFunded);
        assert.equal(big(anchorStream.totalClaimed), codamaStream.totalClaimed);
        assert.equal(big(anchorStream.periodEnd), codamaStream.periodEnd);
        assert.equal(big(anchorStream.lastUpdate), codamaStream.lastUpdate);
        return codamaPool;
    };
    const before = await compare();
    assert.equal(before.totalStaked, 0n);
    assert.equal(before.rewardStreams[0].totalFunded, 500n * 1_000_000_000n);

    // open_position + stake through program.methods: Anchor derives the
    // position and stake vault from the IDL's seeds and the stake mint from
    // the pool (a relation); the optional delegation accounts are null.
    const ownerTokenAccount = new PublicKey(await findTokenAccount(net.payer.address, stakeMint, TOKEN_PROGRAM_ADDRESS));
    const tokenBefore = await connection.getTokenAccountBalance(ownerTokenAccount, 'confirmed');
    const open = await program.methods
        .openPosition()
        .accounts({ owner: payer.publicKey, pool: new PublicKey(pool) })
        .instruction();
    const signature = await program.methods
        .stake(new BN((25n * S).toString()))
        .accounts({
            owner: payer.publicKey,
            pool: new PublicKey(pool),
            delegated: { operator: null, delegation: null },
            ownerTokenAccount,
            tokenProgram: new PublicKey(TOKEN_PROGRAM_ADDRESS),
        } as never)
        .preInstructions([open])
        .rpc();
    assert.ok(signature.length > 0);

    const tokenAfter = await connection.getTokenAccountBalance(ownerTokenAccount, 'confirmed');
    assert.equal(BigInt(tokenBefore.value.amount) - BigInt(tokenAfter.value.amount), 25n * S);
    const after = await compare();
    assert.equal(after.totalStaked, 25n * S);
    const stakeVault = await connection.getTokenAccountBalance(new PublicKey(after.stakeVault), 'confirmed');
    assert.equal(BigInt(stakeVault.value.amount), 25n * S);

    const positionAddress = await findOwnerPosition(pool, net.payer.address);
    const anchorPosition = await accounts.position.fetch(new PublicKey(positionAddress));
    const codamaPosition = (await fetchPosition(net.rpc, positionAddress as Address, { commitment: 'confirmed' })).data;
    assert.equal(big(anchorPosition.staked), 25n * S);
    assert.equal(big(anchorPosition.staked), codamaPosition.staked);
    assert.equal(key(anchorPosition.owner), codamaPosition.owner);
    assert.equal(key(anchorPosition.pool), codamaPosition.pool);
    assert.equal(key(anchorPosition.operator), codamaPosition.operator);
    assert.equal(anchorPosition.rewards.length, codamaPosition.rewards.length);
});
