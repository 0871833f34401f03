import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Address } from '@solana/kit';
import {
    fetchPool,
    findPoolPda,
    findTokenAccount,
    getAddRewardStreamInstructionAsync,
    getFundRewardsInstructionAsync,
    getInitializePoolInstructionAsync,
} from '@staking/client';
import { claimAll, stake } from './readme-example';
import { REPO, startLocalnet, type Localnet } from './localnet';

let net: Localnet;
before(async () => {
    net = await startLocalnet(19_100, 19_200);
});
after(async () => {
    await net?.stop();
});

async function tokenBalance(account: Address): Promise<bigint> {
    const { value } = await net.rpc.getTokenAccountBalance(account, { commitment: 'confirmed' }).send();
    return BigInt(value.amount);
}

test('README shows the tested example verbatim', () => {
    const source = readFileSync(join(REPO, 'clients/js/test/readme-example.ts'), 'utf8');
    const example = source.split('// readme-example:begin\n')[1].split('// readme-example:end')[0];
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    assert.ok(readme.includes('```ts\n' + example + '```'), 'README.md does not show clients/js/test/readme-example.ts');
});

test('the README example stakes and claims', async () => {
    const { signer: holder } = await net.createUser();
    const stakeMint = await net.createMint({ decimals: 6, mintTo: [[holder.address, '100']] });
    const rewardMint = await net.createMint({
        decimals: 9,
        mintTo: [[net.payer.address, '1000'], [holder.address, '1']],
    });
    const [pool] = await findPoolPda({ stakeMint, authority: net.payer.address, poolId: 1n });
    await net.send(net.payer, [
        await getInitializePoolInstructionAsync({
            authority: net.payer,
            stakeMint,
            poolId: 1n,
            unbondingPeriod: 60n,
            minStake: 1n,
            maxTotalStake: 2n ** 64n - 1n,
            operatorApprovalRequired: false,
            maxCommissionBps: 10_000,
            maxOperatorShareBps: 10_000,
            acceptedMintAuthorities: { freeze: false, transferFee: false },
        }),
        await getAddRewardStreamInstructionAsync({
            authority: net.payer,
            pool,
            rewardMint,
            acceptedMintAuthorities: { freeze: false, transferFee: false },
        }),
        await getFundRewardsInstructionAsync({
            authority: net.payer,
            pool,
            rewardMint,
            funderTokenAccount: await findTokenAccount(net.payer.address, rewardMint, net.tokenProgram),
            streamIndex: 0,
            amount: 1_000_000_000_000n,
            duration: 1_000n,
        }),
    ]);

    await stake(net.rpc, net.send, holder, pool, 40_000_000n);
    assert.equal((await fetchPool(net.rpc, pool)).data.totalStaked, 40_000_000n);

    await net.waitClusterSeconds(3);
    const holderRewards = await findTokenAccount(holder.address, rewardMint, net.tokenProgram);
    const before = await tokenBalance(holderRewards);
    await claimAll(net.rpc, net.send, holder, pool);
    const claimed = (await tokenBalance(holderRewards)) - before;
    // 1,000 tokens over 1,000 s to the only staker: about 1 token a second.
    assert.ok(claimed >= 1_000_000_000n, `claimed ${claimed} base units after 3 s`);
    assert.equal((await fetchPool(net.rpc, pool)).data.rewardStreams[0].totalClaimed, claimed);
});
