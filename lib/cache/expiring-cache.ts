// Warm-container state with an expiry: a value loaded once, shared by the invocations of one
// container while it is fresh, loaded again after its lifetime. A failed load is not remembered,
// so the next caller tries again. Correctness never depends on a warm container: a cold start
// simply loads everything.

interface Entry<V> {
  value: Promise<V>;
  expiresAt: number;
}

export class ExpiringCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  /** The fresh value under `key`, or `load()`'s, kept for `lifetimeMs` (Infinity: for the container's life). */
  get(key: string, load: () => Promise<V>, lifetimeMs: number, now = Date.now()): Promise<V> {
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > now) return cached.value;
    const value = load();
    const entry = { value, expiresAt: now + lifetimeMs };
    this.keep(key, entry, now);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  /**
   * The value kept under `key` when it is the `same` as `fresh` (so that what was derived from that
   * very object is found again), else `fresh`, which is then kept for `lifetimeMs`.
   */
  async sameAsKept(key: string, fresh: V, same: (kept: V, fresh: V) => boolean, lifetimeMs: number, now = Date.now()): Promise<V> {
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > now) {
      const kept = await cached.value.catch(() => undefined);
      if (kept !== undefined && same(kept, fresh)) return kept;
    }
    this.keep(key, { value: Promise.resolve(fresh), expiresAt: now + lifetimeMs }, now);
    return fresh;
  }

  /** Stores `entry`, dropping the expired ones: a key nobody asks for again does not stay for ever. */
  private keep(key: string, entry: Entry<V>, now: number): void {
    for (const [other, kept] of this.entries) if (kept.expiresAt <= now) this.entries.delete(other);
    this.entries.set(key, entry);
  }
}
