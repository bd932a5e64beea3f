// A registry's answer as this client reads it. Requests go through undici's `request`, not `fetch`:
// a third of the CPU per request (no WHATWG streams, no per-request AbortSignal), which is most of a
// cycle's CPU when it lists and inspects thousands of tags (`npm run bench`).
import type { IncomingHttpHeaders } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Dispatcher } from 'undici';

/** What is read of a body that is not wanted, so that its connection can be reused. */
const DISCARD_LIMIT = 64 * 1024;

export class RegistryResponse {
  readonly status: number;
  readonly body: Dispatcher.ResponseData['body'];
  /** Header lookup by case-insensitive name, as `fetch`'s `Headers.get`. */
  readonly headers: { get(name: string): string | null };

  constructor(data: Pick<Dispatcher.ResponseData, 'statusCode' | 'headers' | 'body'>) {
    this.status = data.statusCode;
    this.body = data.body;
    const raw: IncomingHttpHeaders = data.headers;
    this.headers = {
      get: (name) => {
        const value = raw[name.toLowerCase()];
        return Array.isArray(value) ? value.join(', ') : (value ?? null);
      },
    };
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get statusText(): string {
    return STATUS_CODES[this.status] ?? '';
  }

  get bodyUsed(): boolean {
    return this.body.bodyUsed;
  }

  /** Drops the body: a short rest is read (the connection stays reusable), a long one cuts it. */
  async discard(): Promise<void> {
    await this.body.dump({ limit: DISCARD_LIMIT }).catch(() => undefined);
  }
}
