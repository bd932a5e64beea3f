// `write-back-method` (`argocd`, `git`, `git:<credentials>`) and, for git, `git-repository`,
// `git-branch`, `write-back-target`, and this project's `git-pull-request` (`github`, `gitlab`)
// with `git-pull-request-labels`.
import type { WriteBackSettings } from '../model';

/** A bad annotation, by its key without the prefix. */
export interface WriteBackProblem {
  key: 'write-back-method' | 'git-branch' | 'git-pull-request';
  reason: string;
}

export interface WriteBackResult {
  writeBack: WriteBackSettings;
  problems: WriteBackProblem[];
}

const ARGOCD: WriteBackSettings = { method: 'argocd' };

/**
 * `read(key)` returns the annotation value for a key without the prefix, or undefined. An unknown
 * method reads as `argocd` for reporting only; git settings with a problem stay git. Either way,
 * an application with a problem here must not be written.
 */
export function readWriteBack(read: (key: string) => string | undefined): WriteBackResult {
  const written = read('write-back-method');
  const method = written?.trim();
  if (method === undefined || method === 'argocd') return { writeBack: ARGOCD, problems: [] };

  const colon = method.indexOf(':');
  const kind = colon > 0 ? method.slice(0, colon).trim() : method;
  if (kind !== 'git') {
    const reason = `invalid update mechanism "${kind}"; expected argocd, git or git:<credentials>`;
    return { writeBack: ARGOCD, problems: [{ key: 'write-back-method', reason }] };
  }
  const credentials = colon > 0 ? method.slice(colon + 1) : 'repocreds';
  const problems: WriteBackProblem[] = [];
  if (credentials !== 'repocreds' && !/^secret:[^/\s]+\/[^/\s]+$/.test(credentials)) {
    problems.push({
      key: 'write-back-method',
      reason: `invalid git credentials "${credentials}"; expected git:repocreds or git:secret:<namespace>/<name>`,
    });
  }
  const branch = read('git-branch');
  if (branch !== undefined && branch.trim().split(':').length > 2) {
    problems.push({ key: 'git-branch', reason: 'expected <base>[:<write-branch>]' });
  }
  const repository = read('git-repository');
  const target = read('write-back-target');
  const provider = read('git-pull-request')?.trim().toLowerCase();
  if (provider !== undefined && provider !== 'github' && provider !== 'gitlab') {
    problems.push({ key: 'git-pull-request', reason: 'expected github or gitlab' });
  }
  const labels = (read('git-pull-request-labels') ?? '').split(',').map((label) => label.trim()).filter((label) => label !== '');
  const git: WriteBackSettings = {
    method: 'git',
    credentials,
    ...(repository !== undefined && { repository }),
    ...(branch !== undefined && { branch }),
    ...(target !== undefined && { target }),
    ...((provider === 'github' || provider === 'gitlab') && { pullRequest: { provider, labels } }),
  };
  return { writeBack: git, problems };
}
