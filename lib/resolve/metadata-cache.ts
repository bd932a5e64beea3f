// Build metadata (what newest-build needs) kept by a warm container from one run to the next.
// By digest it is immutable and kept until evicted. A tag can be pushed again, so the digest a tag
// had is trusted for a limited time only; after that one HEAD (free on ECR) tells whether the tag
// moved, and only a moved tag costs its manifest and config again. A cold start knows nothing and
// fetches everything: correctness never depends on this cache, only the request count does.
import type { ImageMetadata } from '../registry/client';

export interface MetadataSource {
  /** The tag's digest: a HEAD request, or free where the registry API already said (ECR). */
  digestOf(): Promise<string>;
  /** Whether digestOf costs nothing, so checking it first never costs a request. */
  freeDigest: boolean;
  /** Manifest and config(s): the full price. */
  fetch(): Promise<ImageMetadata>;
}

/** Enough for a few hundred repositories of a few hundred tags, at a few hundred bytes each. */
const MAX_ENTRIES = 50_000;

export class MetadataCache {
  private readonly byDigest = new Map<string, ImageMetadata>();
  private readonly byTag = new Map<string, { digest: string; checkedAt: number }>();

  constructor(private readonly maxEntries = MAX_ENTRIES) {}

  /** `repository`: registry API URL and path; `variant`: the platforms asked for, which change `created`. */
  async metadata(repository: string, tag: string, variant: string, trustTagMs: number, source: MetadataSource, now = Date.now()): Promise<ImageMetadata> {
    const tagKey = `${repository}|${tag}`;
    const known = this.byTag.get(tagKey);
    if (known && now - known.checkedAt < trustTagMs) {
      const cached = this.get(this.byDigest, `${repository}|${known.digest}|${variant}`);
      if (cached) return cached;
    }
    if (known || source.freeDigest) {
      const digest = await source.digestOf();
      const cached = this.get(this.byDigest, `${repository}|${digest}|${variant}`);
      if (cached) {
        this.set(this.byTag, tagKey, { digest, checkedAt: now });
        return cached;
      }
    }
    const metadata = await source.fetch();
    this.set(this.byDigest, `${repository}|${metadata.digest}|${variant}`, metadata);
    this.set(this.byTag, tagKey, { digest: metadata.digest, checkedAt: now });
    return metadata;
  }

  /** A Map in insertion order is an LRU when a read moves the entry to the end. */
  private get<V>(map: Map<string, V>, key: string): V | undefined {
    const value = map.get(key);
    if (value !== undefined) {
      map.delete(key);
      map.set(key, value);
    }
    return value;
  }

  private set<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > this.maxEntries) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }
}

/** The one cache of the process: a warm Lambda container keeps it between invocations. */
export const metadataCache = new MetadataCache();
