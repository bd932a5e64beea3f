// The process that runs the fleet: the Lambda handler itself (createHandler), bundled like the
// Lambda, called with scheduled EventBridge events as the runtime calls it. Its first invocation is
// a cold start (DescribeCluster per cluster, empty caches), the next ones a warm container's.
import { createHandler } from '../../functions/update-images';
import { lambdaContext, scheduledEvent } from '../../test/support/lambda';
import type { FleetChildMessage, FleetChildSettings, FleetParentMessage, InvocationMeasurement } from './protocol';

const MAX_PROBLEMS = 5;
/** Lambda's longest timeout: the bench measures the whole work, the deadline never cuts it. */
const REMAINING_MS = 15 * 60_000;

function send(message: FleetChildMessage): void {
  process.send?.(message);
}

function settingsFromEnv(): FleetChildSettings {
  const text = process.env.BENCH_FLEET_SETTINGS;
  if (!text) throw new Error('BENCH_FLEET_SETTINGS is not set');
  return JSON.parse(text) as FleetChildSettings;
}

/** Keeps what the invocation writes to stdout and stderr instead of printing it (the bench's stdout is its report). */
async function capturingOutput<T>(action: () => Promise<T>): Promise<{ result: T; text: string }> {
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => stream.write.bind(stream));
  let text = '';
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  }
  try {
    return { result: await action(), text };
  } finally {
    streams.forEach((stream, index) => (stream.write = writes[index] as typeof stream.write));
  }
}

async function invoke(handler: ReturnType<typeof createHandler>, clusters: string[] | undefined): Promise<InvocationMeasurement> {
  const event = { ...scheduledEvent(), ...(clusters && { clusters }) };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const { result, text } = await capturingOutput(() => handler(event, lambdaContext(REMAINING_MS)));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const measurement: InvocationMeasurement = {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssKiB: process.resourceUsage().maxRSS,
    logBytes: Buffer.byteLength(text),
    logLines: 0,
    clusters: result.clusters.length,
    failedClusters: [],
    applications: 0,
    imagesConsidered: 0,
    imagesUpdated: 0,
    errors: 0,
    notReached: 0,
    updates: [],
    problems: [],
  };
  for (const outcome of result.clusters) {
    if ('error' in outcome) {
      measurement.failedClusters.push(`${outcome.cluster}: ${outcome.error}`);
      continue;
    }
    const { summary } = outcome;
    measurement.applications += summary.applications;
    measurement.imagesConsidered += summary.imagesConsidered;
    measurement.imagesUpdated += summary.imagesUpdated;
    measurement.errors += summary.errors;
    measurement.notReached += summary.notReached.length;
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    measurement.logLines += 1;
    readLogLine(line, measurement);
  }
  return measurement;
}

/** An update's decision line, or a warning or error to explain a failed check. */
function readLogLine(line: string, measurement: InvocationMeasurement): void {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    if (measurement.problems.length < MAX_PROBLEMS) measurement.problems.push(`not JSON: ${line.slice(0, 200)}`);
    return;
  }
  if (record.outcome === 'updated') {
    measurement.updates.push({ app: String(record.app), alias: String(record.alias), to: String(record.to) });
  } else if ((record.level === 'WARN' || record.level === 'ERROR') && measurement.problems.length < MAX_PROBLEMS) {
    measurement.problems.push(`${String(record.level).toLowerCase()}: ${String(record.message)}`);
  }
}

function main(): void {
  const settings = settingsFromEnv();
  process.env[settings.credentialsVariable] = settings.registryCredentials;
  const handler = createHandler({ env: settings.env, connection: { awsEndpoint: settings.awsEndpoint, credentials: settings.credentials } });

  process.on('message', (message: FleetParentMessage) => {
    if (message.type === 'exit') {
      process.disconnect();
      process.exit(0);
    }
    invoke(handler, message.clusters).then(
      (measurement) => send({ type: 'done', measurement }),
      (error: unknown) => send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
  send({ type: 'ready' });
}

main();
