// A real `staking-localnet` validator for the tests (its own ports and ledger,
// so it runs beside a developer's validator), and the keypairs and mints its
// helper commands create.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
    appendTransactionMessageInstructions,
    createKeyPairSignerFromBytes,
    createSolanaRpc,
    createSolanaRpcSubscriptions,
    createTransactionMessage,
    getBase64Encoder,
    getSignatureFromTransaction,
    pipe,
    sendAndConfirmTransactionFactory,
    setTransactionMessageFeePayerSigner,
    setTransactionMessageLifetimeUsingBlockhash,
    signTransactionMessageWithSigners,
    type Address,
    type Instruction,
    type KeyPairSigner,
    type Rpc,
    type SolanaRpcApi,
    type Signature,
    type TransactionSigner,
} from '@solana/kit';
import { TOKEN_PROGRAM_ADDRESS } from '@staking/client';

const run = promisify(execFile);
const CLOCK_SYSVAR = 'SysvarC1ock11111111111111111111111111111111' as Address;

/** The repository root (the compiled tests run from clients/js/dist/test). */
export const REPO = resolve(__dirname, '..', '..', '..', '..');
const TARGET = process.env.CARGO_TARGET_DIR ?? join(REPO, 'target');
const LOCALNET_BIN = join(TARGET, 'debug', 'staking-localnet');
export const STAKING_BIN = join(TARGET, 'debug', 'staking');
const PROGRAM = process.env.STAKING_SO ?? join(TARGET, 'deploy', 'staking.so');

export type Localnet = {
    url: string;
    wsUrl: string;
    rpc: Rpc<SolanaRpcApi>;
    rpcSubscriptions: ReturnType<typeof createSolanaRpcSubscriptions>;
    /** The genesis-funded keypair (also the program's upgrade authority). */
    payer: KeyPairSigner;
    payerPath: string;
    dir: string;
    stop: () => Promise<void>;
    /** A new keypair funded with SOL, and its file. */
    createUser: () => Promise<{ signer: KeyPairSigner; path: string }>;
    /** A new mint (the payer its authority), with `amount` UI tokens minted to each owner. */
    createMint: (options: { decimals: number; token2022?: boolean; mintTo?: [Address, string][] }) => Promise<Address>;
    /** The cluster's clock (the Clock sysvar's Unix time, which the program reads). */
    clusterTime: () => Promise<bigint>;
    /** Waits until the cluster's clock has moved `seconds` on (it can run slower than the wall clock). */
    waitClusterSeconds: (seconds: number) => Promise<void>;
    /** Signs with the fee payer and every signer the instructions carry, sends, and waits for `confirmed`. */
    /// SPL Token (the mints `createMint` makes without `token2022`).
    tokenProgram: Address;
    send: (feePayer: TransactionSigner, instructions: Instruction[]) => Promise<Signature>;
};

async function signerFromFile(path: string): Promise<KeyPairSigner> {
    return createKeyPairSignerFromBytes(Uint8Array.from(JSON.parse(readFileSync(path, 'utf8'))));
}

/** Starts the validator on `rpcPort` (WebSocket `rpcPort + 1`) and waits until it serves. */
export async function startLocalnet(rpcPort: number, dynamicPortStart: number): Promise<Localnet> {
    const dir = mkdtempSync(join(tmpdir(), 'staking-js-'));
    const payerPath = join(dir, 'payer.json');
    const child: ChildProcess = spawn(
        LOCALNET_BIN,
        [
            'start',
            '--rpc-port', String(rpcPort),
            '--dynamic-port-start', String(dynamicPortStart),
            '--program', PROGRAM,
            '--ledger', join(dir, 'ledger'),
            '--payer-out', payerPath,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
    const deadline = Date.now() + 120_000;
    while (!output.includes('Press Ctrl-C to stop.')) {
        if (child.exitCode !== null) throw new Error(`staking-localnet exited: ${output.trim()}`);
        if (Date.now() > deadline) {
            child.kill('SIGTERM');
            throw new Error(`staking-localnet did not start within 120 s: ${output.trim()}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    const url = `http://127.0.0.1:${rpcPort}`;
    const wsUrl = `ws://127.0.0.1:${rpcPort + 1}`;
    const rpc: Rpc<SolanaRpcApi> = createSolanaRpc(url);
    const rpcSubscriptions = createSolanaRpcSubscriptions(wsUrl);
    const payer = await signerFromFile(payerPath);
    const sendAndConfirm = sendAndConfirmTransactionFactory({ rpc, rpcSubscriptions });
    let users = 0;
    const clusterTime = async () => {
        const { value } = await rpc
            .getAccountInfo(CLOCK_SYSVAR, { encoding: 'base64', commitment: 'confirmed' })
            .send();
        if (!value) throw new Error('the cluster has no Clock sysvar');
        // Clock: slot, epoch_start_timestamp, epoch, leader_schedule_epoch, unix_timestamp.
        const data = getBase64Encoder().encode(value.data[0]);
        return new DataView(data.buffer, data.byteOffset).getBigInt64(32, true);
    };
    const cluster = ['--url', url, '--payer', payerPath];
    return {
        url,
        wsUrl,
        rpc,
        rpcSubscriptions,
        payer,
        payerPath,
        dir,
        tokenProgram: TOKEN_PROGRAM_ADDRESS,
        stop: async () => {
            child.kill('SIGTERM');
            await exited;
        },
        clusterTime,
        waitClusterSeconds: async (seconds) => {
            const until = (await clusterTime()) + BigInt(seconds);
            while ((await clusterTime()) < until) await new Promise((r) => setTimeout(r, 250));
        },
        createUser: async () => {
            const path = join(dir, `user-${users++}.json`);
            await run(LOCALNET_BIN, ['create-user', ...cluster, '--out', path]);
            return { signer: await signerFromFile(path), path };
        },
        createMint: async ({ decimals, token2022 = false, mintTo = [] }) => {
            const args = ['create-mint', ...cluster, '--decimals', String(decimals)];
            if (token2022) args.push('--token-2022');
            for (const [owner, amount] of mintTo) args.push('--mint-to', `${owner}=${amount}`);
            const { stdout } = await run(LOCALNET_BIN, args);
            return stdout.trim() as Address;
        },
        send: async (feePayer, instructions) => {
            const { value: blockhash } = await rpc.getLatestBlockhash({ commitment: 'confirmed' }).send();
            const message = pipe(
                createTransactionMessage({ version: 0 }),
                (m) => setTransactionMessageFeePayerSigner(feePayer, m),
                (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
                (m) => appendTransactionMessageInstructions(instructions, m),
            );
            const transaction = await signTransactionMessageWithSigners(message);
            try {
                await sendAndConfirm(transaction as Parameters<typeof sendAndConfirm>[0], {
                    commitment: 'confirmed',
                });
            } catch (error) {
                // Preflight failures carry the program's logs: keep them in the message.
                const logs = (error as { context?: { logs?: string[] } }).context?.logs;
                if (logs) (error as Error).message += `\n${logs.join('\n')}`;
                throw error;
            }
            return getSignatureFromTransaction(transaction);
        },
    };
}

/** Runs the Rust CLI against the validator and parses its `--output json`. */
export async function stakingJson(localnet: Localnet, keypair: string, args: string[]): Promise<unknown> {
    const { stdout } = await run(STAKING_BIN, ['-u', localnet.url, '-k', keypair, '--output', 'json', ...args]);
    return JSON.parse(stdout);
}
