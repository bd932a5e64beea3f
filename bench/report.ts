// The Markdown report: targets with where each stands, the cycles side by side with the floor and
// the reference, requests by kind, the bundle, and the checks that the cycles did the right thing.
import type { BundleMeasurement } from './bundle';
import { renderGitSection, type GitBenchResult } from './git/write-back';
import { REQUEST_KINDS, totalRequests, type RequestCounts } from './counts';
import { MB_PER_VCPU, lambdaHeapFlags, vcpuShare, type LambdaSettings } from './lambda';
import type { PhaseResult, SizeResult } from './measure-size';
import type { Phase } from './models/inputs';
import type { BenchOptions } from './options';
import { HELM_SHARE, SECOND_IMAGE_SHARE, STALE_SHARE, STRATEGY_MIX, ZIPF_EXPONENT } from './workload/applications';
import { TAGS_PER_REPOSITORY } from './workload/catalog';

export interface BenchResults {
  options: BenchOptions;
  sizes: SizeResult[];
  bundle?: BundleMeasurement;
  git?: GitBenchResult;
  pushedTags: number;
  pushMs: number;
  totalMs: number;
  machine: string;
  cores: number;
  lambda: LambdaSettings;
  date: string;
}

const TARGETS = {
  bundleBytes: 1.5e6,
  coldLoadMs: 250,
  cycleMs: 5000,
  rssBytes: 150e6,
  overFloor: 0.05,
  referenceRatio: 10,
  referenceSize: 1000,
  /** CPU of one cycle's process at 1,000 apps (issue 8): what a 256 MB function's 0.145 vCPU can afford. */
  coldCpuMs: 2000,
  warmCpuMs: 250,
};

const PHASES: Phase[] = ['cold', 'warm'];

export function renderReport(results: BenchResults): string {
  return [
    '# Benchmark',
    '',
    describeRun(results),
    '',
    '## Targets',
    '',
    targetsTable(results),
    '',
    '## Update cycles',
    '',
    cyclesTable(results.sizes),
    '',
    '## Where the time goes',
    '',
    timeTable(results),
    '',
    '## Registry requests by kind',
    '',
    kindsTable(results.sizes),
    '',
    ...(results.bundle ? ['## Lambda bundle', '', bundleSection(results.bundle), ''] : []),
    ...(results.git ? ['## Git write-back', '', renderGitSection(results.git), ''] : []),
    '## Checks',
    '',
    checks(results.sizes),
    '',
  ].join('\n');
}

export function describeRun(results: BenchResults): string {
  const { options } = results;
  const mix = STRATEGY_MIX.map(([name, share]) => `${name} ${percent(share)}`).join(', ');
  return [
    `\`npm run bench\` on ${results.date}: ${results.machine}. Whole run ${seconds(results.totalMs)}, of which pushing ` +
      `${count(results.pushedTags)} tags ${seconds(results.pushMs)}.`,
    '',
    `- Registry: Debian's docker-registry (distribution 2.8), ${options.auth === 'token' ? 'Bearer token auth (credentials from registries.conf)' : 'no auth'}, ` +
      `behind a proxy adding ${options.latencyMs} ms to every request (token requests included); registries.conf entry without \`limit\`.`,
    `- Repositories: ${TAGS_PER_REPOSITORY} tags each (200 semver releases, 30 pre-releases, 26 calver, 40 commit builds, 4 mutable tags); ` +
      `apps share them Zipf-like (exponent ${ZIPF_EXPONENT}), every repository tracked at least once.`,
    `- Applications: ${percent(1 - SECOND_IMAGE_SHARE)} track one image, ${percent(SECOND_IMAGE_SHARE)} two; ${percent(HELM_SHARE)} Helm, the rest Kustomize; ` +
      `strategies ${mix} (newest-build through \`allow-tags: regexp:^sha-\`, alphabetical through \`regexp:^release-\`); ` +
      `${percent(STALE_SHARE)} of images lag and need an update, the rest are current.`,
    '- Each size runs in a fresh child process (the bundled cycle, as deployed): a cold cycle, then Argo CD syncs what it wrote, ' +
      'then a warm cycle in the same process (a warm Lambda container). Product defaults: 10 applications at a time. ' +
      `The process runs with the heap flags the Lambda runtime sets for ${results.lambda.memoryMb} MB (\`${lambdaHeapFlags(results.lambda.memoryMb).join(' ')}\`).`,
    '- Floor: one ping, a token per repository (cold only: tokens live 300 s), one tag list per repository, newest-build metadata ' +
      'for tags not yet known (cold only), one manifest HEAD per digest-tracked tag. Reference: Argo CD Image Updater v0.17 as its ' +
      'source behaves (ping, token and tag list per application image every cycle; digest: manifest + config GET per image; ' +
      'newest-build: manifest + config GET per surviving tag, cached forever); in brackets a lower bound with one ping per cycle ' +
      'and one token per repository.',
  ].join('\n');
}

function targetsTable(results: BenchResults): string {
  const rows: string[][] = [];
  const { bundle } = results;
  if (bundle) {
    rows.push(['Bundle < 1.5 MB: zip, as deployed', megabytes(bundle.zipBytes), status(bundle.zipBytes < TARGETS.bundleBytes)]);
    rows.push(['Bundle < 1.5 MB: .mjs, as Node loads it', megabytes(bundle.mjsBytes), status(bundle.mjsBytes < TARGETS.bundleBytes)]);
    rows.push([
      'Cold load < 250 ms (import of the handler in a fresh `node`, minus an empty `node`)',
      `${ms(bundle.coldLoadMs)} (median of ${bundle.runs})`,
      status(bundle.coldLoadMs < TARGETS.coldLoadMs),
    ]);
  } else {
    rows.push(['Bundle < 1.5 MB, cold load < 250 ms', 'not measured (--no-bundle)', '–']);
  }

  const reference = results.sizes.find((size) => size.applications === TARGETS.referenceSize);
  if (reference) {
    const times = PHASES.map((phase) => reference.phases[phase].wallMs);
    rows.push([
      `${count(TARGETS.referenceSize)} apps at ${results.options.latencyMs} ms: one cycle < 5 s`,
      `cold ${seconds(times[0] ?? 0)}, warm ${seconds(times[1] ?? 0)}`,
      status(times.every((time) => time < TARGETS.cycleMs)),
    ]);
    for (const [phase, target] of [['cold', TARGETS.coldCpuMs], ['warm', TARGETS.warmCpuMs]] as const) {
      const { cpuMs, registry } = reference.phases[phase];
      // Where it goes, so that a miss says why: the share per registry request and per application.
      const requests = totalRequests(registry);
      const per = `${(cpuMs / requests).toFixed(2)} ms per registry request × ${count(requests)}, ${(cpuMs / reference.applications).toFixed(2)} ms per app`;
      rows.push([`${count(TARGETS.referenceSize)} apps: ${phase} cycle CPU ≤ ${seconds(target)}`, `${seconds(cpuMs)} (${per})`, status(cpuMs <= target)]);
    }
    const rss = reference.peakRssKiB * 1024;
    rows.push([`${count(TARGETS.referenceSize)} apps: peak RSS < 150 MB`, megabytes(rss), status(rss < TARGETS.rssBytes)]);
    for (const phase of PHASES) {
      const result = reference.phases[phase];
      const ratio = totalRequests(result.reference) / totalRequests(result.registry);
      const lower = totalRequests(result.referenceLowerBound) / totalRequests(result.registry);
      const attainable = totalRequests(result.reference) / totalRequests(result.floor);
      rows.push([
        `Reference/ours ≥ 10× at ${count(reference.applications)} apps over ${reference.repositories} repositories, ${phase} cycle`,
        `${times1(ratio)} (lower bound ${times1(lower)}; at the floor ${times1(attainable)})`,
        status(ratio >= TARGETS.referenceRatio),
      ]);
    }
  } else {
    rows.push([`${count(TARGETS.referenceSize)} apps: cycle time, peak RSS, reference/ours`, 'size not run', '–']);
  }

  for (const phase of PHASES) {
    const ratios = results.sizes.map((size) => ({ size, ratio: overFloor(size.phases[phase]) }));
    const worst = ratios.reduce((a, b) => (b.ratio > a.ratio ? b : a), ratios[0] ?? { size: undefined, ratio: Number.NaN });
    const measured = ratios.map(({ size, ratio }) => `${count(size.applications)}: ${ratioText(ratio)}`).join('; ');
    rows.push([
      `Ours/floor within 5 %, ${phase} cycles`,
      measured || 'no size run',
      worst.size ? status(ratios.every(({ ratio }) => ratio <= 1 + TARGETS.overFloor)) : '–',
    ]);
  }
  return table(['Target', 'Measured', ''], rows);
}

function cyclesTable(sizes: SizeResult[]): string {
  const rows = sizes.flatMap((size) =>
    PHASES.map((phase) => {
      const result = size.phases[phase];
      const ours = totalRequests(result.registry);
      const kube = result.kube;
      return [
        count(size.applications),
        `${size.repositories} / ${count(size.images)}`,
        phase,
        seconds(result.wallMs),
        count(ours),
        count(totalRequests(result.floor)),
        ratioText(overFloor(result)),
        `${count(totalRequests(result.reference))} (${count(totalRequests(result.referenceLowerBound))})`,
        `${times1(totalRequests(result.reference) / ours)} (${times1(totalRequests(result.referenceLowerBound) / ours)})`,
        `${count(kube.total)} (${kube.list} list, ${kube.patch} patch, ${kube.events} events${kube.get ? `, ${kube.get} get` : ''})`,
        `${result.imagesUpdated}`,
        memory(size, result),
      ];
    }),
  );
  return table(
    ['Apps', 'Repos / images', 'Cycle', 'Wall time', 'Registry requests', 'Floor', 'Ours/floor', 'Reference v0.17 (lower bound)', 'Reference/ours', 'Kube API requests', 'Updated', 'Peak RSS (after load; heap after cycle; live heap)'],
    rows,
  );
}

function timeTable(results: BenchResults): string {
  const vcpu = vcpuShare(results.lambda.memoryMb);
  const rows = results.sizes.flatMap((size) =>
    PHASES.map((phase) => {
      const result = size.phases[phase];
      const registry = result.registryCpuMs;
      const busy = (result.cpuMs + result.benchCpuMs + (registry ?? 0)) / (results.cores * result.wallMs);
      const lambdaSeconds = result.cpuMs / vcpu;
      return [
        count(size.applications),
        phase,
        seconds(result.wallMs),
        `${seconds(result.cpuMs)} (loop ${percent(result.eventLoopUtilization)} busy)`,
        registry === undefined ? 'n/a' : seconds(registry),
        seconds(result.benchCpuMs),
        registry === undefined ? 'n/a' : percent(busy),
        `${seconds(lambdaSeconds)} ${lambdaSeconds < results.lambda.timeoutSeconds * 1000 ? '' : '⚠️ over the timeout'}`.trim(),
      ];
    }),
  );
  return [
    table(
      ['Apps', 'Cycle', 'Wall time', 'Cycle process CPU', 'Registry CPU', 'Proxy + API double CPU', `Machine busy (${results.cores} cores)`, `Cycle CPU at ${results.lambda.memoryMb} MB Lambda (${vcpu.toFixed(3)} vCPU)`],
      rows,
    ),
    '',
    `Registry, latency proxy and Kubernetes API double share this machine with the cycle; when "machine busy" nears 100 %, the wall ` +
      `time measures this machine's CPU rather than the ${results.options.latencyMs} ms latency. The last column divides the cycle's own ` +
      `CPU time by the vCPU share a ${results.lambda.memoryMb} MB function gets (1 vCPU per ${count(MB_PER_VCPU)} MB): a floor on its ` +
      `wall time there, against the ${results.lambda.timeoutSeconds} s timeout (Graviton cores are not this machine's; an estimate, not a measurement).`,
  ].join('\n');
}

function kindsTable(sizes: SizeResult[]): string {
  const rows = sizes.flatMap((size) =>
    PHASES.flatMap((phase) => {
      const result = size.phases[phase];
      const line = (who: string, counts: RequestCounts) => [
        count(size.applications),
        phase,
        who,
        ...REQUEST_KINDS.map((kind) => count(counts[kind])),
        count(totalRequests(counts)),
      ];
      return [line('**ours**', result.registry), line('floor', result.floor), line('reference', result.reference)];
    }),
  );
  return table(['Apps', 'Cycle', 'Who', 'ping', 'token', 'tags', 'manifest HEAD', 'manifest GET', 'blob', 'total'], rows);
}

function bundleSection(bundle: BundleMeasurement): string {
  const total = bundle.contributors.reduce((sum, entry) => sum + entry.bytes, 0);
  const top = bundle.contributors
    .slice(0, 8)
    .map((entry) => `${entry.name} ${kilobytes(entry.bytes)} (${percent(entry.bytes / total)})`)
    .join(', ');
  return [
    table(
      ['Zip', '.mjs', 'Cold load', 'import() inside the process', 'Process wall time: empty / with handler', 'Max RSS: empty / with handler', 'Node'],
      [
        [
          megabytes(bundle.zipBytes),
          megabytes(bundle.mjsBytes),
          ms(bundle.coldLoadMs),
          ms(bundle.importMs),
          `${ms(bundle.baselineProcessMs)} / ${ms(bundle.handlerProcessMs)}`,
          `${megabytes(bundle.baselineRssBytes)} / ${megabytes(bundle.handlerRssBytes)}`,
          bundle.nodeVersion,
        ],
      ],
    ),
    '',
    `Largest parts of the minified bundle (esbuild metafile with serverless.yml's options): ${top}.`,
  ].join('\n');
}

function checks(sizes: SizeResult[]): string {
  const lines = sizes.flatMap((size) =>
    PHASES.map((phase) => {
      const result = size.phases[phase];
      const expected = phase === 'cold' ? size.expectedUpdates : 0;
      const verdict =
        result.problems.length === 0
          ? `✅ every image considered, the ${expected} expected update(s) made and nothing else, no errors`
          : `❌ ${result.problems.join('; ')}`;
      const notes = result.tallyNotes.length > 0 ? ` Product's own counters: ${result.tallyNotes.join('; ')}.` : '';
      return `- ${count(size.applications)} apps, ${phase}: ${verdict}.${notes}`;
    }),
  );
  return lines.join('\n');
}

function memory(size: SizeResult, result: PhaseResult): string {
  const live = result.liveHeapBytes === undefined ? '' : `; live ${megabytes(result.liveHeapBytes)}`;
  return `${megabytes(result.maxRssKiB * 1024)} (load ${megabytes(size.loadRssKiB * 1024)}; heap ${megabytes(result.heapUsedBytes)}${live})`;
}

function overFloor(result: PhaseResult): number {
  return totalRequests(result.registry) / totalRequests(result.floor);
}

export function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

const status = (ok: boolean) => (ok ? '✅' : '❌');
export const count = (n: number) => n.toLocaleString('en-US');
export const percent = (share: number) => `${Math.round(share * 100)} %`;
export const ms = (value: number) => `${Math.round(value)} ms`;
export const seconds = (value: number) => `${(value / 1000).toFixed(value < 10_000 ? 2 : 1)} s`;
export const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
export const kilobytes = (bytes: number) => `${Math.round(bytes / 1e3)} kB`;
const times1 = (ratio: number) => `${ratio.toFixed(1)}×`;

/** 1.00 → "1.00× (+0 %)" */
export function ratioText(ratio: number): string {
  const change = Math.round((ratio - 1) * 100);
  return `${ratio.toFixed(2)}× (${change >= 0 ? '+' : '−'}${Math.abs(change)} %)`;
}
