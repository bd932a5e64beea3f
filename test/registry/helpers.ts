// Shared by the registry tests: a log that keeps its lines, and a request counter.
import type { Log } from '../../lib/model';
import type { RegistryEndpoint } from '../../lib/registry/config';
import type { RequestCounter, RequestKind } from '../../lib/registry/client';

export interface CapturedLog extends Log {
  lines: { level: string; message: string; fields?: Record<string, unknown> }[];
}

export function captureLog(): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, ...(fields ? { fields } : {}) });
  };
  return { lines, debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export class CountingRequests implements RequestCounter {
  readonly counts: Partial<Record<RequestKind, number>> = {};

  count(kind: RequestKind): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }

  get total(): number {
    return Object.values(this.counts).reduce((sum, value) => sum + value, 0);
  }
}

let endpointNumber = 0;

/**
 * An endpoint for a test registry, as registries.conf would configure it (loopback registries are
 * reachable only so); each gets its own name so that no state is shared between tests.
 */
export function endpointFor(url: string, settings: Partial<RegistryEndpoint> = {}): RegistryEndpoint {
  endpointNumber += 1;
  return {
    name: `test-registry-${endpointNumber}`,
    prefix: new URL(url).host,
    apiUrl: url,
    insecure: false,
    isDefault: false,
    tagSortMode: 'none',
    operatorTrusted: true,
    ...settings,
  };
}
