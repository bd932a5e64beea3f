import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePlatforms } from '../../lib/annotations/platforms';

test('os/arch[/variant], comma separated and trimmed', () => {
  assert.deepEqual(parsePlatforms('linux/amd64'), { platforms: [{ os: 'linux', arch: 'amd64' }] });
  assert.deepEqual(parsePlatforms(' linux/amd64 , linux/arm64/v8,'), {
    platforms: [
      { os: 'linux', arch: 'amd64' },
      { os: 'linux', arch: 'arm64', variant: 'v8' },
    ],
  });
});

test('a malformed entry is an error naming it', () => {
  for (const [value, entry] of [['linux', 'linux'], ['linux/amd64,windows', 'windows'], ['linux/', 'linux/'], ['/amd64', '/amd64'], ['linux/arm/v7/x', 'linux/arm/v7/x'], ['linux/arm/', 'linux/arm/']]) {
    const result = parsePlatforms(value ?? '');
    assert.ok('error' in result, value);
    assert.match(result.error, new RegExp(`"${entry}"`), value);
  }
  assert.ok('error' in parsePlatforms(' , '));
});
