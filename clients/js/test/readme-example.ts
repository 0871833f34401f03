// The README's TypeScript example, verbatim between the markers (readme.test.ts
// checks that README.md shows exactly these lines, then runs them).
// readme-example:begin
import { type Address, type Instruction, type Rpc, type SolanaRpcApi, type TransactionSigner } from '@solana/kit';
import {
    fetchPool, fetchMaybePosition, findOwnerPosition, findTokenAccount, stakeAccounts, withClaimedStreams,
    getOpenPositionInstructionAsync, getStakeInstructionAsync, getClaimRewardsInstructionAsync,
} from '@staking/client';

type Send = (payer: TransactionSigner, instructions: Instruction[]) => Promise<string>;

export async function stake(rpc: Rpc<SolanaRpcApi>, send: Send, owner: TransactionSigner, pool: Address, amount: bigint) {
    const { stakeMint, tokenProgram } = stakeAccounts((await fetchPool(rpc, pool)).data);
    const ownerTokenAccount = await findTokenAccount(owner.address, stakeMint, tokenProgram);
    const opened = (await fetchMaybePosition(rpc, await findOwnerPosition(pool, owner.address))).exists;
    const open = opened ? [] : [await getOpenPositionInstructionAsync({ owner, pool })];
    const stake = await getStakeInstructionAsync({ owner, pool, stakeMint, ownerTokenAccount, tokenProgram, amount });
    return send(owner, [...open, stake]);
}

export async function claimAll(rpc: Rpc<SolanaRpcApi>, send: Send, owner: TransactionSigner, pool: Address) {
    const claim = await getClaimRewardsInstructionAsync({ owner, pool, streamIndex: null });
    return send(owner, [await withClaimedStreams(claim, (await fetchPool(rpc, pool)).data, owner.address, null)]);
}
// readme-example:end
