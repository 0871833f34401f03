// Regression: cancelling an unbond ticket of a delegated position that is
// still delegated to the operator the ticket was unstaked from. The program's
// `cancel_unbond` wants the program address as `ticket_operator` then (the
// operator is already passed as the position's operator) and refuses the
// operator itself with OperatorMismatch; the Rust SDK passes the ticket's
// operator only when it differs from the position's
// (`ticket_operator(ticket).filter(|left| Some(left) != operator)`).
// `ticketOperator(ticket, position)` leaves the account out in that case.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateKeyPairSigner } from '@solana/kit';
import {
    fetchMaybeUnbondTicket,
    fetchPosition,
    fetchUnbondTicket,
    findOperatorPda,
    findOwnerPosition,
    findPoolPda,
    findTokenAccount,
    getCancelUnbondInstructionAsync,
    getDelegateInstructionAsync,
    getInitializePoolInstructionAsync,
    getOpenPositionInstructionAsync,
    getRegisterOperatorInstructionAsync,
    getStakeInstructionAsync,
    getUnstakeInstructionAsync,
    positionDelegation,
    ticketOperator,
    TOKEN_PROGRAM_ADDRESS,
} from '@staking/client';
import { startLocalnet, type Localnet } from './localnet';

const S = 1_000_000n;
let net: Localnet;
before(async () => {
    net = await startLocalnet(19_300, 19_400);
});
after(async () => {
    await net?.stop();
});

test("cancel_unbond of a ticket from the position's current operator, with ticketOperator's account", async () => {
    const { signer: holder } = await net.createUser();
    const { signer: operatorAuthority } = await net.createUser();
    const stakeMint = await net.createMint({ decimals: 6, mintTo: [[holder.address, '100']] });
    const [pool] = await findPoolPda({ stakeMint, authority: net.payer.address, poolId: 1n });
    await net.send(net.payer, [
        await getInitializePoolInstructionAsync({
            authority: net.payer,
            stakeMint,
            tokenProgram: TOKEN_PROGRAM_ADDRESS,
            poolId: 1n,
            unbondingPeriod: 100n,
            minStake: 1n,
            maxTotalStake: 2n ** 64n - 1n,
            operatorApprovalRequired: false,
            maxCommissionBps: 2_000,
            maxOperatorShareBps: 10_000,
            acceptedMintAuthorities: { freeze: false, transferFee: false },
        }),
    ]);
    await net.send(operatorAuthority, [
        await getRegisterOperatorInstructionAsync({ authority: operatorAuthority, pool, commissionBps: 100, name: 'op' }),
    ]);
    const [operator] = await findOperatorPda({ pool, authority: operatorAuthority.address });
    await net.send(holder, [
        await getOpenPositionInstructionAsync({ owner: holder, pool }),
        await getStakeInstructionAsync({
            owner: holder,
            pool,
            stakeMint,
            ownerTokenAccount: await findTokenAccount(holder.address, stakeMint, TOKEN_PROGRAM_ADDRESS),
            tokenProgram: TOKEN_PROGRAM_ADDRESS,
            amount: 10n * S,
        }),
        await getDelegateInstructionAsync({ owner: holder, pool, operator }),
    ]);
    const positionAddress = await findOwnerPosition(pool, holder.address);
    const current = async () => (await fetchPosition(net.rpc, positionAddress, { commitment: 'confirmed' })).data;
    const ticketSigner = await generateKeyPairSigner();
    await net.send(holder, [
        await getUnstakeInstructionAsync({
            owner: holder,
            pool,
            ...(await positionDelegation(await current(), positionAddress)),
            ticket: ticketSigner,
            amount: 1n * S,
        }),
    ]);
    const ticket = (await fetchUnbondTicket(net.rpc, ticketSigner.address, { commitment: 'confirmed' })).data;
    assert.equal(ticket.operator, operator, 'the ticket keeps its operator');
    const position = await current();
    assert.equal(position.operator, operator, 'the position is still delegated to it');

    await net.send(holder, [
        await getCancelUnbondInstructionAsync({
            owner: holder,
            pool,
            ...(await positionDelegation(position, positionAddress)),
            ticket: ticketSigner.address,
            ticketOperator: ticketOperator(ticket, position),
        }),
    ]);
    assert.equal((await fetchMaybeUnbondTicket(net.rpc, ticketSigner.address, { commitment: 'confirmed' })).exists, false);
    assert.equal((await current()).staked, 10n * S);
});
