// The event decoder on synthetic logs (no validator): only lines the staking
// program logs while it is the innermost running program are its events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getBase58Decoder, getBase64Decoder, generateKeyPairSigner } from '@solana/kit';
import { decodeStakingEvents, getStakedEncoder, STAKING_PROGRAM_ADDRESS } from '@staking/client';

test('only the staking program’s own data lines are its events', async () => {
    const pool = (await generateKeyPairSigner()).address;
    const owner = (await generateKeyPairSigner()).address;
    const other = getBase58Decoder().decode(new Uint8Array(32).fill(7));
    const staked = (amount: bigint) =>
        'Program data: ' +
        getBase64Decoder().decode(getStakedEncoder().encode({ pool, owner, amount, positionStaked: amount, poolStaked: amount }));
    const id = STAKING_PROGRAM_ADDRESS;
    const logs = [
        `Program ${other} invoke [1]`,
        staked(1n), // another top-level program's data
        `Program ${other} success`,
        `Program ${id} invoke [1]`,
        'Program log: Instruction: Stake',
        `Program ${other} invoke [2]`,
        'Program log: success', // a called program's text that looks like an exit
        'Program log: invoke [3]',
        `Program ${id} success`, // ... or like our exit
        staked(2n), // event-shaped data from the called program
        `Program ${other} success`,
        staked(3n),
        'Program data: C5It' + 'zeY61fA=', // our discriminator, too short: skipped
        staked(4n),
        `Program ${id} success`,
        staked(5n), // after ours returned
    ];
    const amounts = decodeStakingEvents(logs).map((event) => {
        assert.equal(event.name, 'staked');
        return event.name === 'staked' ? event.data.amount : -1n;
    });
    assert.deepEqual(amounts, [3n, 4n]);
});
