// The hostile section of `npm run bench`: what an attacker's registry or annotations can make the
// function spend. Three figures: peak RSS while a registry serves a 100 MB body (bounded client
// beside one that reads bodies whole), the worst RE2 `allow-tags` match over 128-character tags
// (beside JavaScript's backtracking engine on a far shorter tag), and the registry requests an
// application with an oversized image-list costs (beside one at the cap).
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { compileAllowTags } from '../../lib/annotations/allow-tags';
import { MAX_IMAGE_LIST_ENTRIES } from '../../lib/annotations/limits';
import { parseOptions } from '../../lib/config';
import { RequestTally, runCycle } from '../../lib/cycle';
import type { Log } from '../../lib/model';
import { kustomizeApp } from '../../test/support/applications';
import { startKubeApi } from '../../test/support/kube-api';
import { pushImage, registriesConfFor, type RunningRegistry } from '../../test/support/registry';

const BODY_BYTES = 100 * 1024 * 1024;
const TAG_LENGTH = 128;
/** Patterns that backtrack exponentially or polynomially in a backtracking engine. */
const CATASTROPHIC_PATTERNS = ['^(a+)+$', '^(a|aa)+$', '^(a|a?)+$', '(a*)*b', '^(\\w+\\s?)*$', '(.*a){12}', '^(([a-z])+.)+[A-Z]([a-z])+$'];

export interface HostileResult {
  body: { bounded: BodyRun; whole: BodyRun };
  regexp: { worstMs: number; worstPattern: string; patterns: number; tags: number; backtrackingMs: number; backtrackingTagLength: number };
  imageList: { oversizedEntries: number; oversizedRequests: number; atCapEntries: number; atCapRequests: number };
}

interface BodyRun {
  loadRssKiB: number;
  peakRssKiB: number;
  outcome: string;
}

export async function measureHostile(registry: RunningRegistry, workDir: string, memoryFlags: string[], progress: (message: string) => void): Promise<HostileResult> {
  progress('hostile: a registry serving a 100 MB tag list');
  const body = await measureBody(workDir, memoryFlags);
  progress('hostile: allow-tags regexps over 128-character tags');
  const regexp = measureRegexps();
  progress('hostile: an oversized image-list');
  const imageList = await measureImageList(registry);
  return { body, regexp, imageList };
}

export function renderHostile(result: HostileResult): string {
  const mb = (kib: number) => `${(kib / 1024).toFixed(1)} MB`;
  const { body, regexp, imageList } = result;
  const mark = (ok: boolean) => (ok ? '✅' : '❌');
  return [
    '',
    '## Hostile input',
    '',
    '| Target | Measured | Beside |  |',
    '| --- | --- | --- | --- |',
    `| Peak RSS while a registry serves a 100 MB body < 200 MB | ${mb(body.bounded.peakRssKiB)} (after load ${mb(body.bounded.loadRssKiB)}; ${body.bounded.outcome}) | reading the body whole: ${mb(body.whole.peakRssKiB)} | ${mark(body.bounded.peakRssKiB < 200 * 1024)} |`,
    `| Worst allow-tags match over ${TAG_LENGTH}-character tags < 10 ms | ${regexp.worstMs.toFixed(3)} ms (\`${regexp.worstPattern}\`; ${regexp.patterns} patterns × ${regexp.tags} tags, after one warm-up match) | JavaScript RegExp \`^(a+)+$\` on a ${regexp.backtrackingTagLength}-character tag: ${regexp.backtrackingMs.toFixed(0)} ms | ${mark(regexp.worstMs < 10)} |`,
    `| Registry requests for an app with an oversized image-list | ${imageList.oversizedRequests} (${imageList.oversizedEntries.toLocaleString('en-US')} entries, 1 MB) | at the cap (${imageList.atCapEntries} entries on one repository): ${imageList.atCapRequests} | ${mark(imageList.oversizedRequests === 0)} |`,
    '',
  ].join('\n');
}

async function measureBody(workDir: string, memoryFlags: string[]): Promise<{ bounded: BodyRun; whole: BodyRun }> {
  const child = join(workDir, 'hostile-body-child.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'body-child.ts')],
    outfile: child,
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  const server = await startHugeBodyServer();
  try {
    const run = async (mode: string): Promise<BodyRun> => {
      const { stdout } = await promisify(execFile)(process.execPath, [...memoryFlags, child, server.url, mode], { maxBuffer: 1024 * 1024 });
      return JSON.parse(stdout) as BodyRun;
    };
    return { bounded: await run('bounded'), whole: await run('whole') };
  } finally {
    server.server.closeAllConnections();
    await new Promise((resolve) => server.server.close(resolve));
  }
}

/** A "registry" whose tag list is a 100 MB JSON document, streamed. */
async function startHugeBodyServer(): Promise<{ server: Server; url: string }> {
  const filler = Buffer.alloc(64 * 1024, 'a');
  const server = createServer((request, response) => {
    if (request.url === '/v2/') return void response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('{"name":"team/app","tags":["');
    let written = 0;
    const pump = (): void => {
      while (written < BODY_BYTES) {
        written += filler.length;
        if (!response.write(filler)) return void response.once('drain', pump);
      }
      response.end('"]}');
    };
    response.on('error', () => undefined);
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function measureRegexps(): HostileResult['regexp'] {
  const tags = [`${'a'.repeat(TAG_LENGTH - 1)}!`, 'a'.repeat(TAG_LENGTH), `${'a'.repeat(TAG_LENGTH - 1)}B`, `${'ab'.repeat(TAG_LENGTH / 2 - 1)}a!`, `${'A'.repeat(TAG_LENGTH)}`];
  let worstMs = 0;
  let worstPattern = '';
  for (const pattern of CATASTROPHIC_PATTERNS) {
    const compiled = compileAllowTags(`regexp:${pattern}`);
    if (!('matcher' in compiled)) throw new Error(`${pattern}: ${compiled.error}`);
    // One warm-up match: a cycle compiles a pattern once and matches it against every tag.
    compiled.matcher('warm-up');
    for (const tag of tags) {
      for (let repeat = 0; repeat < 5; repeat++) {
        const started = performance.now();
        compiled.matcher(tag);
        const ms = performance.now() - started;
        if (ms > worstMs) [worstMs, worstPattern] = [ms, pattern];
      }
    }
  }
  // The engine this replaced: exponential, so only a short tag finishes.
  const backtrackingTagLength = 26;
  const started = performance.now();
  /^(a+)+$/.test(`${'a'.repeat(backtrackingTagLength - 1)}!`);
  const backtrackingMs = performance.now() - started;
  return { worstMs, worstPattern, patterns: CATASTROPHIC_PATTERNS.length, tags: tags.length, backtrackingMs, backtrackingTagLength };
}

async function measureImageList(registry: RunningRegistry): Promise<HostileResult['imageList']> {
  await pushImage(registry, 'hostile/app', '1.0.0');
  const kube = await startKubeApi({ tls: true });
  const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const registriesConf = registriesConfFor([registry], { insecure: true });
  const entriesFor = (count: number) => Array.from({ length: count }, (_, index) => `i${index}=${registry.host}/hostile/app`);
  const oversized = entriesFor(Math.ceil((1024 * 1024) / `i99999=${registry.host}/hostile/app,`.length));
  const requestsFor = async (name: string, entries: string[]): Promise<number> => {
    const settings: Record<string, string> = { 'image-list': entries.join(',') };
    kube.setApplication(kustomizeApp({ name, namespace: 'hostile', settings, liveImages: [`${registry.host}/hostile/app:0.9.0`] }));
    const tally = new RequestTally();
    await runCycle(kube.kubeConfig(), parseOptions({ applicationNamespace: 'hostile', matchApplicationName: name, registriesConfPath: registriesConf, dryRun: 'true' }), { log: silent }, tally);
    return tally.registryRequests;
  };
  try {
    return {
      oversizedEntries: oversized.length,
      oversizedRequests: await requestsFor('oversized', oversized),
      atCapEntries: MAX_IMAGE_LIST_ENTRIES,
      atCapRequests: await requestsFor('at-cap', entriesFor(MAX_IMAGE_LIST_ENTRIES)),
    };
  } finally {
    await kube.stop();
  }
}
