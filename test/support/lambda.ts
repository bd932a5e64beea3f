// What a test needs to call the Lambda handler as the runtime does: a context, a scheduled event,
// and the JSON lines (Powertools logs, EMF metrics) the invocation writes.
import type { Context } from 'aws-lambda';

/** A Lambda context; `remainingMs` is the runtime's remaining time, fixed or as a clock function. */
export function lambdaContext(remainingMs: number | (() => number)): Context {
  const deadline = typeof remainingMs === 'number' ? Date.now() + remainingMs : undefined;
  const remaining = typeof remainingMs === 'function' ? remainingMs : () => Math.max(0, (deadline ?? 0) - Date.now());
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'image-updater-test-updateImages',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:image-updater-test-updateImages',
    memoryLimitInMB: '256',
    awsRequestId: `request-${Date.now()}-${Math.random().toString(16).slice(2)}`,
    logGroupName: '/aws/lambda/image-updater-test-updateImages',
    logStreamName: '2026/01/01/[$LATEST]test',
    getRemainingTimeInMillis: remaining,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function scheduledEvent(time = new Date()) {
  return {
    version: '0',
    id: 'c7a2b1e4-0000-4000-8000-000000000000',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'eu-west-1',
    resources: ['arn:aws:events:eu-west-1:123456789012:rule/image-updater-test-UpdateImagesEventsRuleSchedule1'],
    detail: {},
  };
}

/** Runs `action` while keeping a copy of what it writes to stdout and stderr (Powertools logs and EMF). */
export async function capturingOutput<T>(action: () => Promise<T>): Promise<{ result: T; lines: Record<string, unknown>[]; text: string }> {
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => stream.write.bind(stream));
  let text = '';
  streams.forEach((stream, index) => {
    stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      return writes[index]!(chunk, ...rest);
    }) as typeof stream.write;
  });
  try {
    const result = await action();
    // The test runner reports through the same stdout, so a record may follow its bytes on a line.
    const lines = text.split('\n').flatMap((line) => {
      const start = line.indexOf('{"');
      if (start < 0) return [];
      try {
        return [JSON.parse(line.slice(start)) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    return { result, lines, text };
  } finally {
    streams.forEach((stream, index) => (stream.write = writes[index]!));
  }
}

/** The EMF records among captured lines. */
export function metricRecords(lines: Record<string, unknown>[]): Record<string, unknown>[] {
  return lines.filter((line) => typeof line._aws === 'object');
}
