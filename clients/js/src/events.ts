import { getBase64Encoder, type Address } from '@solana/kit';
import { STAKING_PROGRAM_ADDRESS } from './generated';
import { STAKING_EVENTS, type StakingEvent } from './generated/events';

const PROGRAM_DATA = 'Program data: ';

/**
 * Decodes the events a transaction's logs carry (Anchor's `emit!` writes each
 * as a `Program data: <base64>` line). Only lines logged while the staking
 * program itself is the innermost running program count: a program it calls,
 * or one that calls it, cannot pass off its own log data as a staking event,
 * and a program's own log text (`Program log: …`) never moves the call stack.
 * Lines that match no known event, or are too short for it, are skipped (a
 * newer program version may add events).
 *
 * Check the transaction's `err` first: a failed transaction's logs still hold
 * the events emitted before it failed, though nothing they describe happened.
 * Logs cut short by the node (`Log truncated`) lose the events after the cut.
 */
export function decodeStakingEvents(
    logs: readonly string[],
    programAddress: Address = STAKING_PROGRAM_ADDRESS,
): StakingEvent[] {
    // Program ids are base58: `Program log: …` text never matches.
    const invoke = /^Program ([1-9A-HJ-NP-Za-km-z]{32,44}) invoke \[\d+\]$/;
    const exit = /^Program ([1-9A-HJ-NP-Za-km-z]{32,44}) (?:success$|failed: )/;
    const running: string[] = [];
    const events: StakingEvent[] = [];
    for (const line of logs) {
        if (line.startsWith(PROGRAM_DATA)) {
            if (running[running.length - 1] !== programAddress) continue;
            const event = decodeStakingEvent(getBase64Encoder().encode(line.slice(PROGRAM_DATA.length)));
            if (event) events.push(event);
            continue;
        }
        const called = invoke.exec(line);
        if (called) {
            running.push(called[1]);
            continue;
        }
        const exited = exit.exec(line);
        if (exited && running[running.length - 1] === exited[1]) running.pop();
    }
    return events;
}

/**
 * One event from its data (discriminator first), or `undefined` if it is none
 * of the program's or cannot be decoded as the event its discriminator names.
 */
export function decodeStakingEvent(data: Uint8Array | ReadonlyUint8Array): StakingEvent | undefined {
    const known = STAKING_EVENTS.find(({ discriminator }) =>
        discriminator.every((byte, index) => data[index] === byte),
    );
    if (!known) return undefined;
    try {
        return { name: known.name, data: known.decoder.decode(data) } as StakingEvent;
    } catch {
        return undefined;
    }
}

type ReadonlyUint8Array = Omit<Uint8Array, 'fill' | 'set' | 'copyWithin' | 'reverse' | 'sort'>;

export { STAKING_EVENTS, type StakingEvent };
