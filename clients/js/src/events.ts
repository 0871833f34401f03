import { getBase64Encoder, type Address } from '@solana/kit';
import { STAKING_PROGRAM_ADDRESS } from './generated';
import { STAKING_EVENTS, type StakingEvent } from './generated/events';

const PROGRAM_DATA = 'Program data: ';

/**
 * Decodes the events a transaction's logs carry (Anchor's `emit!` writes each
 * as a `Program data: <base64>` line). Only lines logged while the staking
 * program itself runs count: a program it calls, or one that calls it, cannot
 * pass off its own log data as a staking event. Lines that match no known
 * event are skipped (a newer program version may add events).
 */
export function decodeStakingEvents(
    logs: readonly string[],
    programAddress: Address = STAKING_PROGRAM_ADDRESS,
): StakingEvent[] {
    const invoke = new RegExp('^Program (\\S+) invoke \\[\\d+\\]$');
    const exit = new RegExp('^Program (\\S+) (success|failed)');
    const running: string[] = [];
    const events: StakingEvent[] = [];
    for (const line of logs) {
        const called = invoke.exec(line);
        if (called) {
            running.push(called[1]);
            continue;
        }
        if (exit.test(line)) {
            running.pop();
            continue;
        }
        if (running[running.length - 1] !== programAddress || !line.startsWith(PROGRAM_DATA)) {
            continue;
        }
        const event = decodeStakingEvent(getBase64Encoder().encode(line.slice(PROGRAM_DATA.length)));
        if (event) events.push(event);
    }
    return events;
}

/** One event from its data (discriminator first), or `undefined` if it is none of the program's. */
export function decodeStakingEvent(data: Uint8Array | ReadonlyUint8Array): StakingEvent | undefined {
    const known = STAKING_EVENTS.find(({ discriminator }) =>
        discriminator.every((byte, index) => data[index] === byte),
    );
    if (!known) return undefined;
    return { name: known.name, data: known.decoder.decode(data) } as StakingEvent;
}

type ReadonlyUint8Array = Omit<Uint8Array, 'fill' | 'set' | 'copyWithin' | 'reverse' | 'sort'>;

export { STAKING_EVENTS, type StakingEvent };
