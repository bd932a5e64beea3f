import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabelSelectorError, parseLabelSelector } from '../support/kube-api/label-selector';

const labelled = { team: 'payments', tier: 'backend', 'app.kubernetes.io/part-of': 'shop', replicas: '3', empty: '' };
const bare = {};

function matches(selector: string, labels: Record<string, string>): boolean {
  return parseLabelSelector(selector)(labels);
}

describe('label selectors (k8s.io/apimachinery/pkg/labels grammar)', () => {
  it('matches everything with an empty selector', () => {
    assert.equal(matches('', bare), true);
    assert.equal(matches('  ', labelled), true);
  });

  it('applies equality, inequality and existence as kube does', () => {
    const cases: [string, boolean, boolean][] = [
      // selector, matches `labelled`, matches `bare`
      ['team=payments', true, false],
      ['team==payments', true, false],
      ['team = payments', true, false],
      ['team!=web', true, true],
      ['team!=payments', false, true],
      ['team', true, false],
      ['!team', false, true],
      ['empty=', true, false],
      ['app.kubernetes.io/part-of=shop', true, false],
      ['replicas>2', true, false],
      ['replicas<3', false, false],
    ];
    for (const [selector, onLabelled, onBare] of cases) {
      assert.equal(matches(selector, labelled), onLabelled, `${selector} on labelled`);
      assert.equal(matches(selector, bare), onBare, `${selector} on bare`);
    }
  });

  it('applies set-based requirements; notin also matches a missing label', () => {
    assert.equal(matches('team in (web,payments)', labelled), true);
    assert.equal(matches('team in (web)', labelled), false);
    assert.equal(matches('team in (web)', bare), false);
    assert.equal(matches('team notin (web, api)', labelled), true);
    assert.equal(matches('team notin (payments)', labelled), false);
    assert.equal(matches('team notin (payments)', bare), true);
  });

  it('ANDs comma-separated requirements', () => {
    assert.equal(matches('team=payments,tier in (backend),!legacy', labelled), true);
    assert.equal(matches('team=payments,tier=frontend', labelled), false);
  });

  it('rejects malformed selectors', () => {
    for (const selector of ['team in (a', 'team in a', 'team=a b', '=a', 'team,', ',team', '!team=a', 'team=a=b', 'Bad Key', 'team>x', `team=${'v'.repeat(64)}`]) {
      assert.throws(() => parseLabelSelector(selector), LabelSelectorError, selector);
    }
  });
});
