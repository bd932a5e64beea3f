// A local moto_server (moto 5) for tests that talk to AWS APIs: EKS, STS, ECR, CloudWatch Logs all
// answer on one endpoint. Any access key works; use a region and fake credentials in the client.
import { spawn, type ChildProcess } from 'node:child_process';
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
