// What the generator cannot derive: accounts the program pins through what a
// pool, position or ticket stores (its token programs, its operator, the
// reward streams `claim_rewards` pays), and the owner's token accounts.
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
    type Pool,
    type Position,
    type RewardStream,
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
