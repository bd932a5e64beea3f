// Child process of the hostile bench: reads one huge answer from the registry at argv[2], either
// through the registry client (bounded) or whole, as a client without caps would. Prints JSON:
// maxRSS before and after, KiB, and what happened.
import { fetch } from 'undici';
import { RegistryClient } from '../../lib/registry/client';
import type { Log } from '../../lib/model';

const [url = '', mode = 'bounded'] = process.argv.slice(2);
const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

async function main(): Promise<void> {
  const loadRssKiB = process.resourceUsage().maxRSS;
  let outcome: string;
  if (mode === 'whole') {
    const body = await (await fetch(`${url}/v2/team/app/tags/list`)).arrayBuffer();
    JSON.parse(Buffer.from(body).toString('utf8'));
    outcome = `read ${body.byteLength} bytes`;
  } else {
    const endpoint = { name: 'hostile', prefix: '', apiUrl: url, insecure: false, isDefault: false, tagSortMode: 'none' as const, operatorTrusted: true };
    const client = new RegistryClient({ endpoint, log: silent });
    outcome = await client.listTags('team/app').then(
      (tags) => `listed ${tags.length} tags`,
      (error: Error) => error.message,
    );
  }
  process.stdout.write(`${JSON.stringify({ loadRssKiB, peakRssKiB: process.resourceUsage().maxRSS, outcome })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`);
    process.exit(1);
  },
);
