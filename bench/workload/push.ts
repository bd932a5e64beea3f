// Puts the catalog into the registry through its HTTP API: blobs are uploaded once and mounted into
// the next repositories by the harness, so each further tag costs one manifest PUT.
import { pushImages, type PushItem, type RunningRegistry } from '../../test/support/registry';
import { tagCatalog } from './catalog';

export class RegistrySeeder {
  private readonly pushed = new Set<string>();
  /** `repository:tag` → manifest digest. */
  private readonly digests = new Map<string, string>();

  constructor(private readonly registry: RunningRegistry) {}

  /** Pushes the catalog to each repository not pushed yet; returns how many were. */
  async ensure(repositories: string[], progress: (done: number, total: number) => void): Promise<number> {
    const missing = repositories.filter((repository) => !this.pushed.has(repository));
    const catalog = tagCatalog();
    // A few repositories per batch keeps the progress readable and the in-flight work bounded.
    const batchSize = 10;
    for (let start = 0; start < missing.length; start += batchSize) {
      const batch = missing.slice(start, start + batchSize);
      const items: PushItem[] = batch.flatMap((repository) =>
        catalog.map((entry) => ({ repository, tag: entry.tag, options: { created: entry.created } })),
      );
      const results = await pushImages(this.registry, items, { concurrency: 24 });
      items.forEach((item, index) => {
        const digest = results[index]?.digest;
        if (digest) this.digests.set(`${item.repository}:${item.tag}`, digest);
      });
      for (const repository of batch) this.pushed.add(repository);
      progress(Math.min(start + batchSize, missing.length), missing.length);
    }
    return missing.length;
  }

  digestOf(repository: string, tag: string): string {
    const digest = this.digests.get(`${repository}:${tag}`);
    if (!digest) throw new Error(`${repository}:${tag} was not pushed`);
    return digest;
  }
}
