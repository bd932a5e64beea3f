// What the deployed function runs with: serverless.yml's memory and timeout, the V8 heap flags the
// Lambda Node.js runtime derives from the memory, and the vCPU share that memory buys.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

const ROOT = resolve(import.meta.dirname, '..');
/** Lambda gives a function one vCPU at 1,769 MB, and CPU in proportion to memory below that. */
export const MB_PER_VCPU = 1769;

export interface LambdaSettings {
  memoryMb: number;
  timeoutSeconds: number;
}

export function lambdaSettings(): LambdaSettings {
  const document = parseYaml(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
    provider: { memorySize?: number; timeout?: number };
  };
  // Lambda's own defaults when the file sets none.
  return { memoryMb: document.provider.memorySize ?? 128, timeoutSeconds: document.provider.timeout ?? 3 };
}

/**
 * The runtime bootstrap's heap sizing (aws-lambda-base-images, nodejs `bootstrap`): a tenth of the
 * memory for the young generation, half of that per semi-space, the rest for the old generation.
 */
export function lambdaHeapFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

export function vcpuShare(memoryMb: number): number {
  return Math.min(1, memoryMb / MB_PER_VCPU);
}
