// The secret sanitizer and the logger that applies it: no secret in any form in any field of any
// line, error names kept, stacks only at DEBUG, and memory that does not grow with a warm container.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../lib/report/logger';
import { MAX_SECRETS, redact, registerSecret, registeredSecretCount } from '../../lib/report/secrets';

/** Runs `write` and returns what the logger printed (stdout, and stderr for errors), one parsed object per line. */
function captureStdout(write: () => void): Record<string, unknown>[] {
  const lines: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write.bind(stream));
  const capture = (chunk: string | Uint8Array): boolean => {
    lines.push(String(chunk));
    return true;
  };
  for (const stream of streams) stream.write = capture as typeof stream.write;
  try {
    write();
  } finally {
    streams.forEach((stream, index) => (stream.write = originals[index] as typeof stream.write));
  }
  return lines.join('').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('a secret is redacted as written, base64- and URL-encoded', () => {
  const secret = 'p@ss/w0rd+sanitizer=1';
  registerSecret(secret);
  for (const form of [
    secret,
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    encodeURIComponent(secret),
    new URLSearchParams({ q: secret }).toString().slice(2),
  ]) {
    assert.equal(redact(`before ${form} after`), 'before *** after', form);
  }
});

test('every field of every line is redacted, errors keep their name, stacks only at DEBUG', () => {
  const secret = 'logger-secret-value-42';
  registerSecret(secret);
  const failure = new TypeError(`boom with ${secret}`, { cause: new Error(`cause ${Buffer.from(secret).toString('base64')}`) });
  const info = captureStdout(() => {
    const log = createLogger({ level: 'INFO', persistentKeys: { cluster: `c-${secret}` } });
    log.error(`message ${secret}`, { nested: { deep: [`x ${encodeURIComponent(secret)}`] }, error: failure });
    log.child({ app: secret }).info('child line');
  });
  const printed = JSON.stringify(info);
  assert.ok(!printed.includes(secret) && !printed.includes(Buffer.from(secret).toString('base64')), printed);
  const error = info[0]?.error as Record<string, unknown>;
  assert.equal(error.name, 'TypeError');
  assert.equal(error.message, 'boom with ***');
  assert.equal(error.stack, undefined);
  assert.equal((error.cause as Record<string, unknown>).message, 'cause ***');
  assert.equal(info[1]?.app, '***');

  const debug = captureStdout(() => createLogger({ level: 'DEBUG' }).debug('with stack', { error: failure }));
  const stack = (debug[0]?.error as Record<string, unknown>).stack;
  assert.ok(stack !== undefined && !JSON.stringify(stack).includes(secret));
});

test('memory is bounded: secrets expire with their token, and only the most recent are kept', () => {
  const now = Date.now();
  registerSecret('short-lived-token-1', now + 1000, now);
  assert.equal(redact('short-lived-token-1', now), '***');
  assert.equal(redact('short-lived-token-1', now + 60 * 60_000), 'short-lived-token-1', 'forgotten an hour after expiry');

  for (let index = 0; index < MAX_SECRETS * 3; index++) registerSecret(`bulk-secret-${index}`);
  assert.equal(registeredSecretCount(), MAX_SECRETS);
  assert.equal(redact(`bulk-secret-${MAX_SECRETS * 3 - 1}`), '***', 'the newest is kept');
});
