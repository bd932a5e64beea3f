// The rollout safety decisions without servers: what Argo CD reports and what the updater last
// wrote → revert, a person's change, or go on (maybe behind the health gate).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideSafety, isOlder, type SafetyInput, type TrackedImage } from '../../lib/safety/decide';
import { rolloutStatus } from '../../lib/safety/rollout-status';
import { readSafetySettings } from '../../lib/safety/settings';
import { formatHolds, formatLastUpdate, isHeld, parseHolds, readUpdaterState, type LastUpdate } from '../../lib/safety/state';
import type { Application } from '../../lib/model';

const AT = new Date('2026-12-01T10:00:00Z');
const minutes = (n: number) => new Date(AT.getTime() + n * 60_000);

const updated: LastUpdate = { kind: 'update', at: AT, images: [{ alias: 'app', from: '1.0.0', to: '1.1.0' }] };

function input(overrides: Partial<SafetyInput> & { live?: string } = {}): SafetyInput {
  const tracked = new Map<string, TrackedImage>([['app', { strategy: 'semver', live: overrides.live ?? '1.1.0' }]]);
  return {
    now: minutes(5),
    status: { sync: 'Synced', health: 'Healthy', reconciledAt: minutes(1) },
    state: { last: updated, holds: [], problems: [] },
    settings: { healthGate: false, revertWindowMs: 10 * 60_000, errors: [] },
    tracked,
    ...overrides,
  };
}

describe('revert', () => {
  test('Degraded while running the new version within the window reverts to the previous one', () => {
    const verdict = decideSafety(input({ status: { sync: 'Synced', health: 'Degraded', reconciledAt: minutes(1) } }));
    assert.deepEqual(verdict, { kind: 'revert', images: [{ alias: 'app', from: '1.1.0', to: '1.0.0' }], cause: 'it turned Degraded running the new version' });
  });

  test('a sync operation that failed after the write reverts, with its message', () => {
    const status = { sync: 'OutOfSync', health: 'Healthy', operationPhase: 'Failed', operationFinishedAt: minutes(2), operationMessage: 'hook failed' };
    const verdict = decideSafety(input({ status, live: '1.0.0' }));
    assert.equal(verdict.kind, 'revert');
    assert.equal(verdict.kind === 'revert' && verdict.cause, 'its sync operation failed: hook failed');
  });

  test('no revert: after the window, without a window, before Argo CD reconciled, for an older failed operation, or after a revert', () => {
    const degraded = { sync: 'Synced', health: 'Degraded', reconciledAt: minutes(1) };
    assert.equal(decideSafety(input({ status: degraded, now: minutes(11) })).kind, 'continue');
    assert.equal(decideSafety(input({ status: degraded, settings: { healthGate: false, errors: [] } })).kind, 'continue');
    assert.equal(decideSafety(input({ status: { ...degraded, reconciledAt: minutes(-1) }, live: '1.0.0' })).kind, 'continue');
    const oldFailure = { sync: 'Synced', health: 'Healthy', operationPhase: 'Failed', operationFinishedAt: minutes(-3) };
    assert.equal(decideSafety(input({ status: oldFailure })).kind, 'continue');
    const afterRevert = { last: { ...updated, kind: 'revert' as const }, holds: [], problems: [] };
    assert.equal(decideSafety(input({ status: degraded, state: afterRevert })).kind, 'continue');
  });
});

describe('changes by hand', () => {
  test('Synced on an older version after the write: a rollback, the version rolled back from is held', () => {
    const verdict = decideSafety(input({ live: '1.0.5' }));
    assert.deepEqual(verdict, { kind: 'changed-by-hand', images: [{ alias: 'app', from: '1.1.0', to: '1.0.5' }], holds: [{ alias: 'app', version: '1.1.0' }] });
  });

  test('a newer version set by hand becomes the baseline without a hold', () => {
    const verdict = decideSafety(input({ live: '1.2.0' }));
    assert.deepEqual(verdict, { kind: 'changed-by-hand', images: [{ alias: 'app', from: '1.1.0', to: '1.2.0' }], holds: [] });
  });

  test('not before Argo CD has seen the write: OutOfSync, not reconciled since, or git revision unchanged', () => {
    assert.equal(decideSafety(input({ live: '1.0.0', status: { sync: 'OutOfSync', health: 'Healthy', reconciledAt: minutes(1) } })).kind, 'continue');
    assert.equal(decideSafety(input({ live: '1.0.0', status: { sync: 'Synced', health: 'Healthy', reconciledAt: minutes(-1) } })).kind, 'continue');
    const gitWrite = { last: { ...updated, revision: 'abc' }, holds: [], problems: [] };
    const sameRevision = { sync: 'Synced', health: 'Healthy', reconciledAt: minutes(1), revision: 'abc' };
    assert.equal(decideSafety(input({ live: '1.0.0', state: gitWrite, status: sameRevision })).kind, 'continue');
    assert.equal(decideSafety(input({ live: '1.0.0', state: gitWrite, status: { ...sameRevision, revision: 'def' } })).kind, 'changed-by-hand');
  });

  test('older means semver precedence, byte order for alphabetical, any other version otherwise', () => {
    assert.equal(isOlder('1.9.0', '1.10.0', 'semver'), true);
    assert.equal(isOlder('1.10.0', '1.9.0', 'semver'), false);
    assert.equal(isOlder('2024.09', '2024.10', 'alphabetical'), true);
    assert.equal(isOlder('b7c2', 'a1f3', 'newest-build'), true);
    assert.equal(isOlder('stable@sha256:1', 'stable@sha256:2', 'digest'), true);
  });
});

describe('health gate', () => {
  const gated = (status: SafetyInput['status'], live = '1.1.0') => {
    const verdict = decideSafety(input({ status, live, settings: { healthGate: true, errors: [] } }));
    return verdict.kind === 'continue' ? verdict.gate : verdict.kind;
  };

  test('only Synced and Healthy apps whose last update runs pass', () => {
    assert.equal(gated({ sync: 'Synced', health: 'Healthy', reconciledAt: minutes(1) }), undefined);
    assert.equal(gated({ sync: 'OutOfSync', health: 'Healthy', reconciledAt: minutes(1) }), 'its sync status is OutOfSync, not Synced');
    assert.equal(gated({ sync: 'Synced', health: 'Progressing', reconciledAt: minutes(1) }), 'its health is Progressing, not Healthy');
    assert.equal(gated({ health: 'Healthy' }), 'its sync status is unknown, not Synced');
    assert.equal(gated({ sync: 'Synced', health: 'Healthy', operationPhase: 'Running' }), 'a sync operation is running');
    assert.equal(gated({ sync: 'Synced', health: 'Healthy', reconciledAt: minutes(-1) }, '1.0.0'), 'the last update is still progressing (app 1.1.0 not running yet)');
  });

  test('without the gate nothing holds updates back', () => {
    assert.deepEqual(decideSafety(input({ status: { sync: 'OutOfSync', health: 'Degraded' }, settings: { healthGate: false, errors: [] } })), { kind: 'continue' });
  });
});

describe('settings and owned annotations', () => {
  const P = 'argocd-image-updater.argoproj.io/';

  test('health-gate overrides the operator default; revert-window is a Go duration; bad values are errors', () => {
    assert.equal(readSafetySettings('ns/a', { [`${P}health-gate`]: 'false' }, { healthGate: true }).healthGate, false);
    assert.equal(readSafetySettings('ns/a', {}, { healthGate: true }).healthGate, true);
    assert.equal(readSafetySettings('ns/a', { [`${P}revert-window`]: '1h30m' }, { healthGate: false }).revertWindowMs, 90 * 60_000);
    const bad = readSafetySettings('ns/a', { [`${P}health-gate`]: 'on', [`${P}revert-window`]: '-5m' }, { healthGate: false });
    assert.deepEqual(
      bad.errors.map((error) => error.message),
      [
        `application ns/a: annotation ${P}health-gate="on": expected true or false`,
        `application ns/a: annotation ${P}revert-window="-5m": expected a positive duration such as 10m or 1h`,
      ],
    );
  });

  test('held-tags: alias=version or a bare version for every alias; a full list drops its oldest entries', () => {
    const holds = parseHolds(' app=1.1.0 , 2.0.0,, web=latest@sha256:abc ');
    assert.deepEqual(holds, [{ alias: 'app', version: '1.1.0' }, { version: '2.0.0' }, { alias: 'web', version: 'latest@sha256:abc' }]);
    assert.equal(isHeld(holds, 'app', '1.1.0'), true);
    assert.equal(isHeld(holds, 'web', '1.1.0'), false);
    assert.equal(isHeld(holds, 'anything', '2.0.0'), true);
    assert.equal(formatHolds([...holds, { alias: 'app', version: '1.1.0' }]).value, 'app=1.1.0,2.0.0,web=latest@sha256:abc');
    const many = Array.from({ length: 1000 }, (_, i) => ({ alias: 'app', version: `1.0.${i}` }));
    const { value, dropped } = formatHolds(many);
    assert.ok(value.length <= 8192);
    assert.ok(value.endsWith('app=1.0.999'));
    assert.deepEqual(dropped[0], { alias: 'app', version: '1.0.0' });
  });

  test('last-update round-trips; anything else in it is ignored with a problem named', () => {
    const annotations = { [`${P}last-update`]: formatLastUpdate({ ...updated, revision: 'abc' }) };
    assert.deepEqual(readUpdaterState(annotations).last, { ...updated, revision: 'abc' });
    const forged = readUpdaterState({ [`${P}last-update`]: '{"kind":"update","at":"yesterday","images":[]}' });
    assert.equal(forged.last, undefined);
    assert.equal(forged.problems.length, 1);
    const huge = formatLastUpdate({ ...updated, images: Array.from({ length: 50 }, (_, i) => ({ alias: `a${i}`, from: `x@sha256:${'1'.repeat(64)}`, to: `y@sha256:${'2'.repeat(64)}` })) });
    assert.ok(huge.length <= 8192, 'kept within what the updater reads back');
  });

  test('rolloutStatus reads what Argo CD writes, and tolerates what it does not', () => {
    const app = {
      metadata: { name: 'a', namespace: 'n' },
      spec: {},
      status: {
        sync: { status: 'Synced', revisions: ['r1', 'r2'] },
        health: { status: 'Degraded' },
        operationState: { phase: 'Failed', finishedAt: '2026-12-01T10:02:00Z', message: 'boom' },
        reconciledAt: 'not a time',
      },
    } as Application;
    assert.deepEqual(rolloutStatus(app), {
      sync: 'Synced',
      health: 'Degraded',
      operationPhase: 'Failed',
      operationFinishedAt: minutes(2),
      operationMessage: 'boom',
      revision: 'r1,r2',
    });
  });
});
