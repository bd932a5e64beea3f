// `npm run bench`: the Lambda bundle's size and cold load, then full update cycles at each size
// against a real registry behind a latency proxy and a Kubernetes API double, side by side with the
// reference updater's and the floor's request counts. Markdown to stdout (and bench/results.md),
// progress to stderr.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry } from '../test/support/registry';
import { measureBundle, type BundleMeasurement } from './bundle';
import { measureFleet, type FleetResult } from './fleet/measure-fleet';
import { renderFleet } from './fleet/report';
import { measureHostile, renderHostile, type HostileResult } from './hostile';
import { measureGitWriteBack, type GitBenchResult } from './git/write-back';
import { lambdaHeapFlags, lambdaSettings } from './lambda';
import { bundleChild } from './cycle/run-size';
import { measureSize, type SizeResult } from './measure-size';
import { parseBenchOptions, repositoriesFor } from './options';
import { startLatencyProxy } from './registry/latency-proxy';
import { describeRun, renderReport } from './report';
import { repositoryName } from './workload/applications';
import { TAGS_PER_REPOSITORY } from './workload/catalog';
import { RegistrySeeder } from './workload/push';

const started = performance.now();

function progress(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  const sizes = [...options.sizes].sort((a, b) => a - b);
  progress(`sizes ${sizes.join(', ')}; ${options.latencyMs} ms per registry request; registry auth ${options.auth}`);

  // First, while nothing else runs: load times are the most sensitive to a busy machine.
  const lambda = lambdaSettings();
  let bundle: BundleMeasurement | undefined;
  if (options.bundle) bundle = await measureBundle(options.loadRuns, lambdaHeapFlags(lambda.memoryMb), progress);

  const workDir = mkdtempSync(join(tmpdir(), 'image-updater-bench-'));
  const registry = await startRegistry({ auth: options.auth });
  const proxy = await startLatencyProxy(registry, { latencyMs: options.latencyMs });
  const results: SizeResult[] = [];
  let hostile: HostileResult | undefined;
  let fleet: FleetResult | undefined;
  let pushMs = 0;
  let pushedTags = 0;
  try {
    const childPath = await bundleChild(workDir, options.profileDir === undefined);
    const seeder = new RegistrySeeder(registry);
    for (const applications of options.cycles ? sizes : []) {
      const repositories = Array.from({ length: repositoriesFor(applications) }, (_, index) => repositoryName(index));
      const pushStarted = performance.now();
      const pushed = await seeder.ensure(repositories, (done, total) =>
        progress(`pushing ${TAGS_PER_REPOSITORY} tags to each new repository: ${done}/${total}`),
      );
      pushMs += performance.now() - pushStarted;
      pushedTags += pushed * TAGS_PER_REPOSITORY;
      const result = await measureSize(applications, { options, seeder, proxy, childPath, childFlags: lambdaHeapFlags(lambda.memoryMb), workDir, progress });
      for (const phase of ['cold', 'warm'] as const) {
        const { wallMs, problems } = result.phases[phase];
        progress(`${applications} apps ${phase}: ${(wallMs / 1000).toFixed(2)} s${problems.length > 0 ? `; PROBLEMS: ${problems.join('; ')}` : ''}`);
      }
      results.push(result);
    }
    if (options.hostile) hostile = await measureHostile(registry, workDir, lambdaHeapFlags(lambda.memoryMb), progress);
    if (options.fleet) {
      fleet = await measureFleet({ options, seeder, proxy, childFlags: lambdaHeapFlags(lambda.memoryMb), workDir, progress });
      pushMs += fleet.pushMs;
      pushedTags += fleet.pushedTags;
    }
  } finally {
    await proxy.stop();
    await registry.stop();
    rmSync(workDir, { recursive: true, force: true });
  }

  let git: GitBenchResult | undefined;
  if (options.git) git = await measureGitWriteBack(progress);

  const benchResults = {
    options,
    sizes: results,
    ...(bundle && { bundle }),
    ...(git && { git }),
    pushedTags,
    pushMs,
    totalMs: performance.now() - started,
    machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`,
    cores: cpus().length,
    lambda,
    date: new Date().toISOString().slice(0, 10),
  };
  const fleetOnly = !options.bundle && !options.cycles && !options.git && !options.hostile;
  const cycleReport = fleetOnly ? `# Benchmark\n\n${describeRun(benchResults)}\n\n` : renderReport(benchResults);
  const fleetReport = fleet ? renderFleet({ fleet, lambda, latencyMs: options.latencyMs, cores: cpus().length, sizes: results }) : '';
  const report = cycleReport + (hostile ? renderHostile(hostile) : '') + fleetReport;
  process.stdout.write(report);
  if (options.resultsPath) {
    writeFileSync(options.resultsPath, report);
    progress(`wrote ${options.resultsPath}`);
  }
  progress('done');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
