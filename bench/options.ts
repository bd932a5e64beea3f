// Command-line flags of `npm run bench`.
import { parseArgs } from 'node:util';

export interface BenchOptions {
  sizes: number[];
  latencyMs: number;
  /** Bearer token auth on the registry (what public and private registries use) or none. */
  auth: 'token' | 'none';
  /** Fresh processes per variant for the load-time median. */
  loadRuns: number;
  bundle: boolean;
  cycles: boolean;
  /** The hostile-input section (huge body, catastrophic regexps, oversized image-list). */
  hostile: boolean;
  /** Git write-back: 100 applications in one repository, ours next to the reference's model. */
  git: boolean;
  /** The fleet: the Lambda handler over many clusters (Kubernetes API doubles), and the monthly cost. */
  fleet: boolean;
  fleetClusters: number;
  fleetAppsPerCluster: number;
  seed: number;
  resultsPath: string | undefined;
  /** Write a CPU profile of each child (unminified) into this directory. */
  profileDir: string | undefined;
}

export const DEFAULT_SIZES = [100, 1000, 5000];
/** 10,000 applications over 20 clusters; --quick: 200 over 4. */
const DEFAULT_FLEET = { clusters: 20, appsPerCluster: 500 };
const QUICK_FLEET = { clusters: 4, appsPerCluster: 50 };
/** Repositories per size: a smaller set than apps, shared Zipf-like. */
const REPOSITORIES_BY_SIZE: Record<number, number> = { 100: 20, 1000: 100, 5000: 200 };

export function repositoriesFor(applications: number): number {
  return REPOSITORIES_BY_SIZE[applications] ?? Math.min(200, Math.max(5, Math.round(applications / 10)));
}

const USAGE = `usage: npm run bench -- [--sizes 100,1000,5000] [--quick] [--latency-ms 25] [--auth token|none]
                      [--load-runs 9] [--no-bundle | --no-cycles] [--no-hostile] [--no-git] [--seed 1] [--out bench/results.md | --no-out]
                      [--profile DIR]  (CPU profile of each cycle process, unminified)
                      [--no-fleet | --fleet-only] [--fleet 20x500]  (clusters × applications per cluster)`;

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'latency-ms': { type: 'string', default: '25' },
      auth: { type: 'string', default: 'token' },
      'load-runs': { type: 'string' },
      'no-bundle': { type: 'boolean', default: false },
      'no-cycles': { type: 'boolean', default: false },
      'no-hostile': { type: 'boolean', default: false },
      'no-git': { type: 'boolean', default: false },
      'no-fleet': { type: 'boolean', default: false },
      'fleet-only': { type: 'boolean', default: false },
      fleet: { type: 'string' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      'no-out': { type: 'boolean', default: false },
      profile: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.error(USAGE);
    process.exit(0);
  }
  const sizes = values.sizes ? values.sizes.split(',').map((size) => positive('--sizes', size)) : values.quick ? [100] : DEFAULT_SIZES;
  if (values.auth !== 'token' && values.auth !== 'none') throw new Error(`--auth: expected token or none\n${USAGE}`);
  if (values['fleet-only'] && values['no-fleet']) throw new Error(`--fleet-only and --no-fleet exclude each other\n${USAGE}`);
  const only = values['fleet-only'];
  const fleet = values.fleet ? fleetShape(values.fleet) : values.quick ? QUICK_FLEET : DEFAULT_FLEET;
  // A partial run does not overwrite the committed full results unless asked.
  const partial =
    values.quick || values.sizes || values.fleet || only || values['no-bundle'] || values['no-cycles'] || values['no-git'] || values['no-hostile'] || values['no-fleet'];
  return {
    sizes,
    latencyMs: nonNegative('--latency-ms', values['latency-ms']),
    auth: values.auth,
    loadRuns: values['load-runs'] ? positive('--load-runs', values['load-runs']) : values.quick ? 3 : 9,
    bundle: !values['no-bundle'] && !only,
    cycles: !values['no-cycles'] && !only,
    hostile: !values['no-hostile'] && !only,
    git: !values['no-git'] && !only,
    fleet: !values['no-fleet'],
    fleetClusters: fleet.clusters,
    fleetAppsPerCluster: fleet.appsPerCluster,
    seed: nonNegative('--seed', values.seed),
    resultsPath: values['no-out'] ? undefined : (values.out ?? (partial ? undefined : 'bench/results.md')),
    profileDir: values.profile,
  };
}

/** `20x500`: clusters × applications per cluster. */
function fleetShape(text: string): { clusters: number; appsPerCluster: number } {
  const [clusters = '', appsPerCluster = '', ...rest] = text.split('x');
  if (rest.length > 0) throw new Error(`--fleet: ${JSON.stringify(text)} is not <clusters>x<applications per cluster>\n${USAGE}`);
  return { clusters: positive('--fleet', clusters), appsPerCluster: positive('--fleet', appsPerCluster) };
}

function positive(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag}: ${JSON.stringify(text)} is not a positive whole number\n${USAGE}`);
  return value;
}

function nonNegative(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${flag}: ${JSON.stringify(text)} is not a number ≥ 0\n${USAGE}`);
  return value;
}
