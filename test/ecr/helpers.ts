// Shared by the ECR tests: a Log that keeps every line, a request counter, and ECR-shaped answers.
import type { ImageRef, ImageSpecification, Log, Platform, StrategyName } from '../../lib/model';
import type { RequestCounter, RequestKind } from '../../lib/registry/client';
import type { SecretReader } from '../../lib/registry/credentials';

export interface CapturedLog extends Log {
  lines: { level: string; message: string; fields?: Record<string, unknown> }[];
  /** Every line as JSON, message and fields, for searching. */
  text(): string;
}

/** Keeps lines as modules write them, before any redaction: what they would hand to the logger. */
export function captureLog(): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return {
    lines,
    text: () => lines.map((line) => JSON.stringify(line)).join('\n'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
}

export class Tally implements RequestCounter {
  readonly byKind: Partial<Record<RequestKind, number>> = {};

  count(kind: RequestKind): void {
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
  }

  /** Requests to the registry API itself, everything but ECR API calls. */
  get registryRequests(): number {
    return Object.entries(this.byKind).reduce((sum, [kind, n]) => (kind === 'ecr-api' ? sum : sum + n), 0);
  }
}

export const noSecrets: SecretReader = {
  readSecret: () => Promise.reject(new Error('no Kubernetes secrets in ECR tests')),
};

/** GetAuthorizationToken's token: base64 of `AWS:<password>`. */
export function authorizationToken(password: string): string {
  return Buffer.from(`AWS:${password}`).toString('base64');
}

export function hoursFromNow(hours: number): Date {
  return new Date(Date.now() + hours * 3_600_000);
}

export function digestOf(n: number): string {
  return `sha256:${n.toString(16).padStart(64, '0')}`;
}

/** An image-list entry as the annotations would give it: every tag allowed, nothing ignored. */
export function imageSpec(image: ImageRef, strategy: StrategyName, options: { constraint?: string; platforms?: Platform[] } = {}): ImageSpecification {
  return {
    alias: 'app',
    hasAlias: true,
    image,
    strategy,
    constraint: options.constraint,
    allowsTag: () => true,
    ignoreTags: [],
    platforms: options.platforms,
    forceUpdate: false,
    helm: { imageName: 'image.name', imageTag: 'image.tag' },
  };
}
