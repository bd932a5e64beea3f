import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Application, Log } from '../../lib/model';
import { planCycle } from '../../lib/imageupdater/plan';
import { matchingNames } from '../../lib/scan/applications';
import { kustomizeApp } from '../support/applications';

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };

/** What annotation mode drives when no ImageUpdater exists: the cycle's own selection. */
function selectApplications(apps: Application[], globs: string[], log: Log): Application[] {
  return planCycle(matchingNames(apps, globs, log), [], {}, log).work.map((work) => work.app);
}
const app = (name: string, settings: Record<string, string> = { 'image-list': 'x/y' }) =>
  kustomizeApp({ name, settings, liveImages: [] });

test('only applications with an image-list annotation are selected, even an empty one', () => {
  const apps = [app('a'), app('b', {}), app('c', { 'image-list': '' })];
  assert.deepEqual(selectApplications(apps, [], quiet).map((a) => a.metadata.name), ['a', 'c']);
});

test('name globs follow filepath.Match: any pattern may match', () => {
  const apps = [app('team-a'), app('team-b'), app('payments'), app('team/x')];
  assert.deepEqual(selectApplications(apps, ['team-?'], quiet).map((a) => a.metadata.name), ['team-a', 'team-b']);
  assert.deepEqual(selectApplications(apps, ['team-*', 'pay*'], quiet).map((a) => a.metadata.name), ['team-a', 'team-b', 'payments']);
  assert.deepEqual(selectApplications(apps, ['team*'], quiet).map((a) => a.metadata.name), ['team-a', 'team-b']);
  assert.deepEqual(selectApplications(apps, ['team-[ab]'], quiet).map((a) => a.metadata.name), ['team-a', 'team-b']);
});

test('name globs are exactly Go filepath.Match: no `!` negation, `\\` escapes, classes', () => {
  const apps = [app('web'), app('api'), app('!web'), app('web*'), app('web-b')];
  assert.deepEqual(selectApplications(apps, ['!web'], quiet).map((a) => a.metadata.name), ['!web']);
  assert.deepEqual(selectApplications(apps, ['web\\*'], quiet).map((a) => a.metadata.name), ['web*']);
  assert.deepEqual(selectApplications(apps, ['web-[^a]'], quiet).map((a) => a.metadata.name), ['web-b']);
});
