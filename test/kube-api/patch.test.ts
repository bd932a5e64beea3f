import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyJsonPatch, applyMergePatch, JsonPatchApplyError, JsonPatchDecodeError } from '../support/kube-api/patch';

describe('JSON merge patch (RFC 7386)', () => {
  it('follows the RFC 7386 appendix examples', () => {
    const examples: [unknown, unknown, unknown][] = [
      [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
      [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      [{ a: 'b' }, { a: null }, {}],
      [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
      [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
      [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
      [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [[1, 2], { a: 'b', c: null }, { a: 'b' }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, result] of examples) {
      assert.deepEqual(applyMergePatch(target, patch), result, JSON.stringify({ target, patch }));
    }
  });

  it('leaves the target untouched', () => {
    const target = { spec: { source: { helm: { parameters: [{ name: 'a', value: '1' }] } } } };
    applyMergePatch(target, { spec: { source: { helm: { parameters: [] } } } });
    assert.deepEqual(target.spec.source.helm.parameters, [{ name: 'a', value: '1' }]);
  });
});

describe('JSON patch (RFC 6902)', () => {
  const document = { spec: { images: ['a:1', 'b:1'], 'x/y': { '~': 1 } }, metadata: { resourceVersion: '7' } };

  it('adds, removes, replaces, moves and copies, with array indexes, "-" and escaped pointers', () => {
    const patched = applyJsonPatch(document, [
      { op: 'add', path: '/spec/images/-', value: 'c:1' },
      { op: 'add', path: '/spec/images/0', value: 'z:1' },
      { op: 'remove', path: '/spec/images/1' },
      { op: 'replace', path: '/spec/images/0', value: 'y:1' },
      { op: 'copy', from: '/spec/x~1y/~0', path: '/spec/copied' },
      { op: 'move', from: '/spec/copied', path: '/spec/moved' },
      { op: 'test', path: '/metadata/resourceVersion', value: '7' },
    ]);
    assert.deepEqual(patched, { spec: { images: ['y:1', 'b:1', 'c:1'], 'x/y': { '~': 1 }, moved: 1 }, metadata: { resourceVersion: '7' } });
    assert.deepEqual(document.spec.images, ['a:1', 'b:1'], 'the document is not modified');
  });

  it('replaces the whole document with an empty path', () => {
    assert.deepEqual(applyJsonPatch(document, [{ op: 'replace', path: '', value: { a: 1 } }]), { a: 1 });
  });

  it('throws JsonPatchApplyError for operations that do not apply', () => {
    const failing: unknown[][] = [
      [{ op: 'test', path: '/metadata/resourceVersion', value: '6' }],
      [{ op: 'test', path: '/metadata/missing', value: 'x' }],
      [{ op: 'replace', path: '/spec/missing', value: 1 }],
      [{ op: 'remove', path: '/spec/images/2' }],
      [{ op: 'add', path: '/spec/images/3', value: 'x' }],
      [{ op: 'add', path: '/nowhere/deep', value: 'x' }],
      [{ op: 'add', path: '/spec/images/01', value: 'x' }],
      [{ op: 'replace', path: '/spec/images/-', value: 'x' }],
      [{ op: 'add', path: '/spec/x' }],
      [{ op: 'frobnicate', path: '/spec' }],
    ];
    for (const patch of failing) assert.throws(() => applyJsonPatch(document, patch), JsonPatchApplyError, JSON.stringify(patch));
  });

  it('treats a missing member as null for test, as evanphx/json-patch does', () => {
    assert.deepEqual(applyJsonPatch(document, [{ op: 'test', path: '/metadata/missing', value: null }]), document);
  });

  it('throws JsonPatchDecodeError when the patch is not a list of operations', () => {
    assert.throws(() => applyJsonPatch(document, { op: 'add' }), JsonPatchDecodeError);
    assert.throws(() => applyJsonPatch(document, ['add']), JsonPatchDecodeError);
  });
});
