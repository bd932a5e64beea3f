// Where one application's git write-back goes, decided from its annotations (WriteBackSettings)
// and its source, before anything is fetched: repository, branches, file, credentials.
import { posix } from 'node:path';
import type { Application, ApplicationSource, SourceType, WriteBackSettings } from '../../model';
import { selectSource } from '../../patch/source';
import { parseGoTemplate, type GoTemplate } from './go-template';
import { overrideFileName } from './override-file';
import type { PullRequestSettings } from './pull-request';
import { parseRepositoryUrl, sameRepositoryUrl } from './repository-url';

/** The write branch of a pull request when `git-branch` names none (the reference v1.x's form). */
const PULL_REQUEST_BRANCH = 'image-updater-{{.AppNamespace}}-{{.AppName}}-{{.SHA256}}';

export type GitWriteBackSettings = Extract<WriteBackSettings, { method: 'git' }>;

/** The file an application's changes go to, relative to the repository root. */
export type FileTarget =
  | { kind: 'override'; path: string }
  | { kind: 'kustomization'; directory: string }
  | { kind: 'helmvalues'; path: string };

export interface GitPlan {
  repository: URL;
  /** Undefined: the remote's default branch. */
  baseBranch?: string;
  writeBranchTemplate?: GoTemplate;
  /** Open a pull (merge) request from the write branch to the base branch. */
  pullRequest?: PullRequestSettings;
  target: FileTarget;
  /** `repocreds` or `secret:<namespace>/<name>`. */
  credentials: string;
  /** The source the changes belong to (its images and parameters for the override file). */
  source: ApplicationSource;
}

/** @throws Error naming the annotation and the value when the application cannot be written to git. */
export function planGitWrite(app: Application, writeBack: GitWriteBackSettings, type: SourceType, argocdNamespace: string): GitPlan {
  const multiSource = (app.spec.sources?.length ?? 0) > 0;
  const source = gitSource(app, writeBack, type);
  const repositoryText = writeBack.repository?.trim() || source.repoURL;
  if (!repositoryText) throw new Error('the application source has no repoURL; set git-repository');
  const fromSource = !!source.repoURL && !source.chart && sameRepositoryUrl(source.repoURL, repositoryText);
  if (source.chart && !writeBack.repository) {
    throw new Error(`the source is the Helm chart ${source.chart} from ${source.repoURL}, not a git repository; set git-repository`);
  }
  const repository = parseRepositoryUrl(repositoryText);

  const [base = '', template, ...rest] = (writeBack.branch ?? '').trim().split(':');
  if (rest.length > 0) throw new Error(`git-branch ${JSON.stringify(writeBack.branch)}: expected <base>[:<write-branch>]`);
  const revision = fromSource ? source.targetRevision?.trim() : undefined;
  const baseBranch = base.trim() || revision || undefined;
  let writeBranchTemplate: GoTemplate | undefined;
  // A pull request needs a branch of its own: one per application and change unless templated.
  const branchTemplate = template?.trim() || (writeBack.pullRequest ? PULL_REQUEST_BRANCH : undefined);
  if (branchTemplate) {
    try {
      writeBranchTemplate = parseGoTemplate(branchTemplate);
    } catch (error) {
      throw new Error(`git-branch ${JSON.stringify(writeBack.branch)}: ${(error as Error).message}`);
    }
  }

  const sourcePath = fromSource ? (source.path ?? '') : '';
  const target = fileTarget(writeBack.target?.trim(), sourcePath, () => {
    if (multiSource) throw new Error('Argo CD does not read .argocd-source files for multi-source applications; set write-back-target');
    if (!fromSource) throw new Error('the override file is read only in the source\'s own repository path; set write-back-target');
    return overrideFileName(app.metadata.name, app.metadata.namespace, argocdNamespace);
  });
  return {
    repository,
    ...(baseBranch !== undefined && baseBranch !== 'HEAD' && { baseBranch }),
    ...(writeBranchTemplate && { writeBranchTemplate }),
    ...(writeBack.pullRequest && { pullRequest: writeBack.pullRequest }),
    target,
    credentials: writeBack.credentials ?? 'repocreds',
    source,
  };
}

/** With git-repository, the source of that repository (#932); else the one image changes go to. */
function gitSource(app: Application, writeBack: GitWriteBackSettings, type: SourceType): ApplicationSource {
  const repository = writeBack.repository?.trim();
  if (repository) {
    const matching = (app.spec.sources ?? []).find((source) => source.repoURL && sameRepositoryUrl(source.repoURL, repository));
    if (matching) return matching;
  }
  return selectSource(app, type).source;
}

function fileTarget(target: string | undefined, sourcePath: string, defaultFile: () => string): FileTarget {
  if (!target) return { kind: 'override', path: inRepository(posix.join(sourcePath, defaultFile()), 'the override file') };
  const relative = (value: string) => (value.startsWith('/') ? value.slice(1) : posix.join(sourcePath, value));
  if (target === 'kustomization' || target.startsWith('kustomization:')) {
    const directory = target === 'kustomization' ? sourcePath : relative(target.slice('kustomization:'.length));
    return { kind: 'kustomization', directory: inRepository(directory, `write-back-target ${JSON.stringify(target)}`) };
  }
  if (target === 'helmvalues' || target.startsWith('helmvalues:')) {
    const file = target === 'helmvalues' ? posix.join(sourcePath, 'values.yaml') : relative(target.slice('helmvalues:'.length));
    return { kind: 'helmvalues', path: inRepository(file, `write-back-target ${JSON.stringify(target)}`) };
  }
  // Any other value is the override file's path from the repository root (the reference's legacy form).
  return { kind: 'override', path: inRepository(target.replace(/^\/+/, ''), `write-back-target ${JSON.stringify(target)}`) };
}

/** A normalised path inside the repository ("" for the root); never above it, never into `.git`. */
function inRepository(path: string, what: string): string {
  const cleaned = posix.normalize(path === '' ? '.' : path).replace(/\/+$/, '');
  const normalized = cleaned === '.' ? '' : cleaned;
  if (normalized === '..' || normalized.startsWith('../') || posix.isAbsolute(normalized)) throw new Error(`${what}: ${path} is outside the repository`);
  if (normalized.split('/').some((part) => part.toLowerCase() === '.git')) throw new Error(`${what}: ${path} is inside .git`);
  return normalized;
}
