// A registries.conf naming test registries: loopback registries are reachable only when the
// operator configures them (an annotation alone may not send the function to a loopback address).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningRegistry } from './registry-server';

/** Writes a registries.conf with one entry per registry (prefix `127.0.0.1:PORT`) and returns its path. */
export function registriesConfFor(registries: readonly Pick<RunningRegistry, 'host' | 'url' | 'caPem'>[], extra: Record<string, string | boolean> = {}): string {
  const entries = registries.map((registry, index) => {
    const lines = [`- name: test-${index}`, `  prefix: ${registry.host}`, `  api_url: ${registry.url}`];
    for (const [key, value] of Object.entries(extra)) lines.push(`  ${key}: ${String(value)}`);
    if (registry.caPem) lines.push('  ca_data: |', ...registry.caPem.trim().split('\n').map((line) => `    ${line}`));
    return lines.join('\n');
  });
  const path = join(mkdtempSync(join(tmpdir(), 'registries-conf-')), 'registries.conf');
  writeFileSync(path, `registries:\n${entries.join('\n')}\n`);
  return path;
}
