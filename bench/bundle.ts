// The deployed Lambda bundle: packaged by `serverless package` (osls + serverless-esbuild, offline,
// as test/aws/package.test.ts does), its zip and .mjs sizes, the time a fresh `node` takes to
// import() it against an empty process, and which packages take the bytes (an esbuild metafile
// built with serverless.yml's own esbuild options).
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { parse as parseYaml } from 'yaml';
import { median } from './stats';

const ROOT = resolve(import.meta.dirname, '..');
const PACKAGE_TIMEOUT_MS = 120_000;
const HANDLER_PATH = 'functions/update-images.mjs';

export interface BundleMeasurement {
  zipBytes: number;
  mjsBytes: number;
  /** Median wall time of a fresh `node` that imports the handler, minus that of an empty one. */
  coldLoadMs: number;
  /** Median time of the import() itself, measured inside the process. */
  importMs: number;
  baselineProcessMs: number;
  handlerProcessMs: number;
  /** Median maxRSS of the empty process and of the one that imported the handler, bytes. */
  baselineRssBytes: number;
  handlerRssBytes: number;
  runs: number;
  /** Output bytes by package, largest first. */
  contributors: { name: string; bytes: number }[];
  nodeVersion: string;
}

/** `nodeFlags`: what the Lambda runtime starts node with (heap sizing), for load time and RSS alike. */
export async function measureBundle(runs: number, nodeFlags: string[], progress: (message: string) => void): Promise<BundleMeasurement> {
  const dir = mkdtempSync(join(tmpdir(), 'image-updater-bench-package-'));
  try {
    progress('packaging the Lambda with serverless package (osls + serverless-esbuild)');
    const zip = await packageService(dir);
    const unpacked = join(dir, 'unpacked');
    execFileSync('unzip', ['-q', zip, '-d', unpacked]);
    const handler = join(unpacked, HANDLER_PATH);
    progress(`timing ${runs} cold imports of the handler against ${runs} empty processes`);
    const load = timeLoads(handler, runs, nodeFlags);
    progress('attributing bundle bytes to packages (esbuild metafile)');
    const contributors = await bytesByPackage();
    return {
      zipBytes: statSync(zip).size,
      mjsBytes: statSync(handler).size,
      ...load,
      runs,
      contributors,
      nodeVersion: process.version,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** True when this process may create a network namespace: packaging then runs with no network. */
function canRunOffline(): boolean {
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function packageService(dir: string): Promise<string> {
  const service = join(dir, 'service');
  mkdirSync(service);
  for (const entry of ['lib', 'functions', 'infra', 'node_modules', 'package.json', 'tsconfig.json']) {
    symlinkSync(join(ROOT, entry), join(service, entry));
  }
  copyFileSync(join(ROOT, 'serverless.yml'), join(service, 'serverless.yml'));
  mkdirSync(join(service, 'home'));
  const artifact = join(service, 'artifact');
  const command = [process.execPath, join(ROOT, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'bench', '--package', artifact, '--param=clusterName=bench'];
  const env = {
    PATH: process.env.PATH,
    HOME: join(service, 'home'),
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    AWS_ACCESS_KEY_ID: 'AKIABENCHPACKAGE0001',
    AWS_SECRET_ACCESS_KEY: 'bench-package-secret',
    AWS_REGION: 'eu-west-1',
  };
  const [file, ...args] = canRunOffline() ? ['unshare', '-n', ...command] : command;
  await new Promise<void>((done, fail) => {
    execFile(file ?? 'unshare', args, { cwd: service, env, timeout: PACKAGE_TIMEOUT_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) fail(new Error(`serverless package failed: ${error.message.split('\n')[0]}\n${stdout}${stderr}`));
      else done();
    });
  });
  return join(artifact, 'image-updater.zip');
}

const LOAD_SCRIPT = `
const started = performance.now();
if (process.env.BENCH_IMPORT) await import(process.env.BENCH_IMPORT);
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS }));
`;

type LoadTimes = Pick<
  BundleMeasurement,
  'coldLoadMs' | 'importMs' | 'baselineProcessMs' | 'handlerProcessMs' | 'baselineRssBytes' | 'handlerRssBytes'
>;

/** Alternates empty and handler-importing processes so that drift on a noisy machine hits both. */
function timeLoads(handler: string, runs: number, nodeFlags: string[]): LoadTimes {
  const url = pathToFileURL(handler).href;
  const baseline: { wallMs: number; rss: number }[] = [];
  const loaded: { wallMs: number; rss: number; insideMs: number }[] = [];
  const once = (importUrl: string | undefined) => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, AWS_REGION: 'eu-west-1' };
    if (importUrl) env.BENCH_IMPORT = importUrl;
    const started = performance.now();
    const output = execFileSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', LOAD_SCRIPT], { env, encoding: 'utf8' });
    const wallMs = performance.now() - started;
    const { ms, maxRssKiB } = JSON.parse(output) as { ms: number; maxRssKiB: number };
    return { wallMs, insideMs: ms, rss: maxRssKiB * 1024 };
  };
  once(url); // first read of the file from disk
  for (let run = 0; run < runs; run++) {
    baseline.push(once(undefined));
    loaded.push(once(url));
  }
  const baselineProcessMs = median(baseline.map((run) => run.wallMs));
  const handlerProcessMs = median(loaded.map((run) => run.wallMs));
  return {
    baselineProcessMs,
    handlerProcessMs,
    coldLoadMs: handlerProcessMs - baselineProcessMs,
    importMs: median(loaded.map((run) => run.insideMs)),
    baselineRssBytes: median(baseline.map((run) => run.rss)),
    handlerRssBytes: median(loaded.map((run) => run.rss)),
  };
}

interface EsbuildSettings {
  bundle?: boolean;
  minify?: boolean;
  sourcemap?: boolean;
  target?: string;
  platform?: BuildOptions['platform'];
  format?: BuildOptions['format'];
  banner?: Record<string, string>;
  alias?: Record<string, string>;
}

/** serverless.yml's custom.esbuild options and handler, built again with a metafile. */
async function bytesByPackage(): Promise<{ name: string; bytes: number }[]> {
  const document = parseYaml(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
    custom: { esbuild: EsbuildSettings };
    // A list whose optional entries (the registry webhook) are ${file(...)} variables: the update function is measured.
    functions: (Record<string, { handler: string }> | string)[];
  };
  const settings = document.custom.esbuild;
  const declared = document.functions.flatMap((entry) => (typeof entry === 'string' ? [] : Object.values(entry)));
  const entryPoints = declared.map(({ handler }) => join(ROOT, `${handler.slice(0, handler.lastIndexOf('.'))}.ts`));
  const result = await build({
    entryPoints,
    bundle: settings.bundle ?? true,
    minify: settings.minify ?? false,
    sourcemap: settings.sourcemap ?? false,
    target: settings.target,
    platform: settings.platform ?? 'node',
    format: settings.format ?? 'esm',
    banner: settings.banner,
    alias: settings.alias,
    absWorkingDir: ROOT,
    outdir: join(tmpdir(), 'image-updater-bench-metafile'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return groupByPackage(result.metafile);
}

function groupByPackage(metafile: Metafile): { name: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(path);
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** `node_modules/@aws-sdk/client-ecr/dist-es/x.js` → `@aws-sdk/client-ecr`; project files → `(this project)`. */
function packageOf(path: string): string {
  const at = path.lastIndexOf('node_modules/');
  if (at === -1) return '(this project)';
  const [first, second] = path.slice(at + 'node_modules/'.length).split('/');
  return first?.startsWith('@') ? `${first}/${second ?? ''}` : (first ?? path);
}
