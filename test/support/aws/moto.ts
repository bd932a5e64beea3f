// A local moto_server (moto 5) for tests that talk to AWS APIs: EKS, STS, ECR, CloudWatch Logs all
// answer on one endpoint. Any access key works; use a region and fake credentials in the client.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort, stopProcess } from '../processes';

export interface Moto {
  /** http://127.0.0.1:<port>, to pass as `endpoint` to AWS SDK clients. */
  endpoint: string;
  stop(): Promise<void>;
}

/** Fake credentials that moto accepts; never real ones. */
export const MOTO_CREDENTIALS = { accessKeyId: 'AKIAMOTOTESTKEY00001', secretAccessKey: 'moto-test-secret-key' };

const READY_TIMEOUT_MS = 20_000;
const PORT_ATTEMPTS = 3;

/** Starts `moto_server` on a free loopback port and resolves once it answers. */
export async function startMoto(): Promise<Moto> {
  let lastFailure: Error | undefined;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitUntilReady(child, endpoint);
      return { endpoint, stop: () => stopProcess(child) };
    } catch (error) {
      await stopProcess(child);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error("moto_server is not on PATH: install it with pip install 'moto[server]'");
      }
      lastFailure = error as Error;
    }
  }
  throw new Error(`moto_server did not start: ${lastFailure?.message}`);
}

async function waitUntilReady(child: ChildProcess, endpoint: string): Promise<void> {
  let stderr = '';
  let exit: Error | undefined;
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  child.once('error', (error) => (exit ??= error));
  child.once('exit', (code) => (exit ??= new Error(`moto_server exited with ${code}: ${stderr.trim()}`)));
  const giveUpAt = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < giveUpAt) {
    if (exit) throw exit;
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${READY_TIMEOUT_MS} ms`);
}

/** The AWS CLI against moto, as a user would type it: `aws('sqs', 'create-queue', ...)`, text output trimmed. */
export type AwsCli = (...args: string[]) => Promise<string>;

export function awsCli(moto: Moto, region: string): AwsCli {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_DEFAULT_REGION: region,
  };
  return async (...args) => {
    const output = args.includes('--output') ? [] : ['--output', 'text'];
    const { stdout } = await promisify(execFile)('aws', ['--endpoint-url', moto.endpoint, ...output, ...args], { env, timeout: 30_000 });
    return stdout.trim();
  };
}

/** Every message body an SQS queue on moto received since the last call, parsed as JSON; the queue is left empty. */
export async function drainQueue<T>(aws: AwsCli, queueUrl: string): Promise<T[]> {
  const bodies: T[] = [];
  for (;;) {
    const stdout = await aws('--output', 'json', 'sqs', 'receive-message', '--queue-url', queueUrl, '--max-number-of-messages', '10');
    const messages = stdout === '' ? [] : ((JSON.parse(stdout) as { Messages?: { Body: string; ReceiptHandle: string }[] }).Messages ?? []);
    if (messages.length === 0) return bodies;
    for (const message of messages) {
      bodies.push(JSON.parse(message.Body) as T);
      await aws('sqs', 'delete-message', '--queue-url', queueUrl, '--receipt-handle', message.ReceiptHandle);
    }
  }
}
