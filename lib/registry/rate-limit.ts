// Per-endpoint request rate (reference d4): one token bucket per endpoint, shared by every client
// of that endpoint in the process, applied to every request (ping and token requests included).
import type { RegistryEndpoint } from './config';

/** Like the reference's limiter, a pause lets a short burst through, at most this many requests. */
const MAX_BURST = 10;

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly capacity: number;

  constructor(
    readonly ratePerSecond: number,
    now = Date.now(),
  ) {
    this.capacity = Math.min(MAX_BURST, Math.max(1, ratePerSecond));
    this.tokens = this.capacity;
    this.updatedAt = now;
  }

  /**
   * Takes the next slot and returns how many milliseconds to wait for it, or undefined without
   * taking it when the wait would end after `deadline` (epoch ms).
   */
  reserve(now = Date.now(), deadline?: number): number | undefined {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) * this.ratePerSecond) / 1000);
    this.updatedAt = now;
    const waitMs = this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.ratePerSecond;
    if (deadline !== undefined && now + waitMs > deadline) return undefined;
    this.tokens -= 1;
    return waitMs;
  }
}

const buckets = new Map<string, TokenBucket>();

/** The endpoint's shared bucket, or undefined when the endpoint is unlimited. */
export function rateLimiterFor(endpoint: RegistryEndpoint): TokenBucket | undefined {
  const rate = endpoint.rateLimitPerSecond;
  if (rate === undefined || rate <= 0) return undefined;
  const key = `${endpoint.name}\n${endpoint.apiUrl}`;
  let bucket = buckets.get(key);
  if (!bucket || bucket.ratePerSecond !== rate) {
    bucket = new TokenBucket(rate);
    buckets.set(key, bucket);
  }
  return bucket;
}
