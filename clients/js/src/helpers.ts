// What the generator cannot derive: accounts the program pins through what a
// pool, position or ticket stores (its token programs, its operator, the
// reward streams `claim_rewards` pays), the owner's token accounts, and what
// a slash changes without touching the accounts it reaches.
import {
    AccountRole,
    getAddressEncoder,
    getProgramDerivedAddress,
    type AccountMeta,
    type Address,
    type Instruction,
} from '@solana/kit';
import {
    findDelegationPda,
    findPositionPda,
    findRewardVaultPda,
    STAKING_PROGRAM_ADDRESS,
    type Delegation,
    type Operator,
    type Pool,
    type Position,
    type RewardStream,
    type StoredQ64,
    type UnbondTicket,
} from './generated';

export const TOKEN_PROGRAM_ADDRESS = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA' as Address;
export const TOKEN_2022_PROGRAM_ADDRESS = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb' as Address;
export const ASSOCIATED_TOKEN_PROGRAM_ADDRESS = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL' as Address;

/** The address the program uses for "none" (an undelegated position's operator). */
export const NO_ADDRESS = '11111111111111111111111111111111' as Address;

/** The reward streams a pool has added, in stream-index order. */
export function poolStreams(pool: Pool): RewardStream[] {
    return pool.rewardStreams.slice(0, pool.rewardStreamCount);
}

/**
 * The stake side of a pool for `stake`, `withdraw` and `compound`: its mint
 * and the token program that owns it (SPL Token or Token-2022; the generated
 * builders otherwise default to SPL Token).
 */
export function stakeAccounts(pool: Pool): { stakeMint: Address; tokenProgram: Address } {
    return { stakeMint: pool.stakeMint, tokenProgram: pool.stakeTokenProgram };
}

/** The owner's associated token account for a mint under its token program. */
export async function findTokenAccount(owner: Address, mint: Address, tokenProgram: Address): Promise<Address> {
    const encoder = getAddressEncoder();
    const [address] = await getProgramDerivedAddress({
        programAddress: ASSOCIATED_TOKEN_PROGRAM_ADDRESS,
        seeds: [encoder.encode(owner), encoder.encode(tokenProgram), encoder.encode(mint)],
    });
    return address;
}

/**
 * The optional `operator` and `delegation` accounts of `stake`, `unstake`,
 * `claim_rewards`, `compound` and `cancel_unbond`: both for a delegated
 * position, neither (the builders put the program address in their place)
 * for an undelegated one.
 */
export async function positionDelegation(
    position: Position,
    positionAddress: Address,
    programAddress: Address = STAKING_PROGRAM_ADDRESS,
): Promise<{ operator?: Address; delegation?: Address }> {
    if (position.operator === NO_ADDRESS) return {};
    const [delegation] = await findDelegationPda({ position: positionAddress }, { programAddress });
    return { operator: position.operator, delegation };
}

/**
 * `withdraw`'s and `cancel_unbond`'s `ticketOperator`: the operator that keeps
 * the ticket's room, if any. For `cancel_unbond` pass the position too: when
 * it is still delegated to that same operator, the operator is already among
 * the instruction's accounts and this slot must stay empty.
 */
export function ticketOperator(ticket: UnbondTicket, position?: Position): Address | undefined {
    if (ticket.operator === NO_ADDRESS || ticket.operator === position?.operator) return undefined;
    return ticket.operator;
}

/** The position address of an owner in a pool. */
export async function findOwnerPosition(
    pool: Address,
    owner: Address,
    programAddress: Address = STAKING_PROGRAM_ADDRESS,
): Promise<Address> {
    const [position] = await findPositionPda({ pool, owner }, { programAddress });
    return position;
}

/** `compound`'s reward vault: the stream that pays the stake mint. */
export async function findCompoundRewardVault(
    poolAddress: Address,
    pool: Pool,
    programAddress: Address = STAKING_PROGRAM_ADDRESS,
): Promise<Address> {
    const [vault] = await findRewardVaultPda({ pool: poolAddress, rewardMint: pool.stakeMint }, { programAddress });
    return vault;
}

/**
 * `claim_rewards` pays each stream from the accounts after its named ones:
 * reward mint, reward vault, the owner's token account and the stream's token
 * program, four a stream, for one stream (`streamIndex`) or all of them in
 * order (`null`). Returns the instruction with them appended.
 */
export async function withClaimedStreams<T extends Instruction>(
    instruction: T,
    pool: Pool,
    owner: Address,
    streamIndex: number | null,
): Promise<T> {
    const streams = poolStreams(pool);
    const paid = streamIndex === null ? streams : [streams[streamIndex]];
    if (paid.some((stream) => stream === undefined)) {
        throw new RangeError(`stream ${streamIndex} does not exist: the pool has ${streams.length}`);
    }
    const extra: AccountMeta[] = [];
    for (const stream of paid) {
        extra.push(
            { address: stream.rewardMint, role: AccountRole.READONLY },
            { address: stream.rewardVault, role: AccountRole.WRITABLE },
            {
                address: await findTokenAccount(owner, stream.rewardMint, stream.rewardTokenProgram),
                role: AccountRole.WRITABLE,
            },
            { address: stream.rewardTokenProgram, role: AccountRole.READONLY },
        );
    }
    return { ...instruction, accounts: [...(instruction.accounts ?? []), ...extra] };
}

// Slashing: what the program computes lazily (a slash touches neither the
// delegations nor the tickets it reaches), projected exactly, in base units,
// from the accounts as fetched. Pass accounts read at the same slot (one
// `getMultipleAccounts`, or fetches at one commitment with nothing sent in
// between): mixing states can give values the program never would.

/** A Q64.64 value (`StoredQ64`, two little-endian words) as one bigint: `high·2^64 + low`. */
export function q64Value(value: StoredQ64): bigint {
    return (value.high << 64n) | value.low;
}

/**
 * The stake a delegation holds in its operator now (`Operator::stake_of`):
 * `floor(shares × delegated / delegatedShares)`, all of `delegated` for the
 * holder of every share, 0 with no shares. A slash lowers the operator's
 * `delegated` at once; the position's own `staked` field catches up only at
 * its next settlement (any instruction on it: stake, claim, unstake, …), so
 * this is what it will read then. Pass the delegation's own operator
 * (`delegation.operator`, the position's `operator`).
 */
export function delegatedStake(
    operator: Pick<Operator, 'delegated' | 'delegatedShares'>,
    delegation: Pick<Delegation, 'shares'>,
): bigint {
    const { delegated, delegatedShares } = operator;
    const { shares } = delegation;
    if (shares > delegatedShares) {
        throw new RangeError(`the delegation holds ${shares} shares of an operator that has ${delegatedShares}`);
    }
    if (shares === delegatedShares) return shares === 0n ? 0n : delegated;
    return (shares * delegated) / delegatedShares;
}

/**
 * What an unbond ticket pays now, on `withdraw` or `cancel_unbond`
 * (`Operator::ticket_value`): its amount when it recorded no operator
 * (unstaked undelegated: slashes never reach it); otherwise, given that
 * operator (`ticket.operator`), 0 when a 100% slash took its ticket epoch
 * whole, else `floor(amount × factor_now / factor_at_unstake)` (its amount
 * while no slash happened since its unstake), at most the operator's
 * `unbonding`; each factor is a Q64.64 mantissa times `2^-shift`
 * (`ticketFactorQ`, `ticketFactorShift`; `slashFactorQ`, `slashFactorShift`).
 */
export function ticketValue(
    ticket: Pick<UnbondTicket, 'operator' | 'amount' | 'slashFactorQ' | 'slashFactorShift' | 'ticketEpoch'>,
    operator?: Pick<Operator, 'unbonding' | 'ticketFactorQ' | 'ticketFactorShift' | 'ticketEpoch'>,
): bigint {
    if (ticket.operator === NO_ADDRESS) return ticket.amount;
    if (!operator) {
        throw new TypeError(`the ticket answers to operator ${ticket.operator}: pass that operator's account`);
    }
    if (ticket.ticketEpoch !== operator.ticketEpoch) return 0n;
    const now = q64Value(operator.ticketFactorQ);
    const at = q64Value(ticket.slashFactorQ);
    const shift = operator.ticketFactorShift - ticket.slashFactorShift;
    if (shift < 0 || (shift === 0 && now > at)) {
        throw new RangeError("the operator's ticket factor is above the ticket's: not the operator it answers to?");
    }
    let value: bigint;
    if (now === at && shift === 0) value = ticket.amount;
    else if (shift >= 64) value = 0n;
    else value = ((ticket.amount * now) / at) >> BigInt(shift);
    // The factor is rounded up at each slash: never more than the operator holds for tickets.
    return value < operator.unbonding ? value : operator.unbonding;
}

/** Who may slash a pool's operators, where slashed stake goes and the most one slash may take. */
export type SlashSettings = {
    /** `NO_ADDRESS` when nobody may slash (slashing off). */
    slasher: Address;
    /** A token account of the stake mint; `NO_ADDRESS` with no slasher. */
    destination: Address;
    /** Basis points; 0 with no slasher. */
    maxSlashBps: number;
};

type PoolSlashFields = Pick<
    Pool,
    | 'slasher'
    | 'slashDestination'
    | 'maxSlashBps'
    | 'pendingSlasher'
    | 'pendingSlashDestination'
    | 'pendingMaxSlashBps'
    | 'pendingSlashSettingsAt'
>;

/**
 * The slash settings in force at `now` (unix seconds, e.g. the cluster's
 * Clock), as `Pool::slash_settings_at` reads them: pending settings whose
 * time has come count as applied, though the pool applies them only at its
 * next `slash` or `set_slasher`.
 */
export function slashSettingsAt(pool: PoolSlashFields, now: bigint | number): SlashSettings {
    if (pool.pendingSlashSettingsAt !== 0n && BigInt(now) >= pool.pendingSlashSettingsAt) {
        return {
            slasher: pool.pendingSlasher,
            destination: pool.pendingSlashDestination,
            maxSlashBps: pool.pendingMaxSlashBps,
        };
    }
    return { slasher: pool.slasher, destination: pool.slashDestination, maxSlashBps: pool.maxSlashBps };
}

/**
 * Whether the pool can slash now or after settings already announced
 * (`Pool::slashing_possible`). Then a delegated position's stake leaves its
 * operator only through an unbond ticket: `undelegate` and `redelegate` of a
 * position with stake fail with `DelegatedStakeMustUnbond`.
 */
export function slashingPossible(pool: Pick<Pool, 'slasher' | 'pendingSlashSettingsAt'>): boolean {
    return pool.slasher !== NO_ADDRESS || pool.pendingSlashSettingsAt !== 0n;
}
