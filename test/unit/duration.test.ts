import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGoDuration } from '../../lib/duration';

test('Go duration syntax, in milliseconds', () => {
  const cases: [string, number][] = [
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['.5m', 30_000],
    ['1h0m0s', 3_600_000],
    ['250ms', 250],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['0', 0],
    ['-5m', -300_000],
    ['+2m', 120_000],
  ];
  for (const [text, ms] of cases) assert.equal(parseGoDuration(text), ms, text);
});

test('anything else is not a duration', () => {
  for (const text of ['', '5', '5 m', 'm', '1d', '1h 30m', '.m', '1.2.3s', 'five minutes', '5M', '-']) {
    assert.equal(parseGoDuration(text), undefined, JSON.stringify(text));
  }
});
