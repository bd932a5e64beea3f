// Write-back method `git` for a whole run. Applications hand over their changes while the cycle
// resolves; at the end each repository is fetched once per branch (shallow, into /tmp), every
// application's change is committed on top (one commit per application, with the reference's
// author and message), and the branch is pushed once. A rejected push (someone else pushed) is
// fetched again, re-applied and pushed again, a bounded number of times; nothing is force-pushed.
import { posix } from 'node:path';
import type { Application, Log, SourceType } from '../../model';
import type { ImageChange } from '../../patch/application-patch';
import { appKey } from '../../scan/applications';
import { redact } from '../../report/secrets';
import { mapLimited } from '../../map-limited';
import { GitCredentialStore, type GitCredentials, type GitSecretAccess } from './credentials';
import type { GoTemplate } from './go-template';
import { githubApiBase, githubInstallationToken } from './github-app';
import { updateHelmValues } from './helm-values';
import { gitHttpClient, DEFAULT_REQUEST_TIMEOUT_MS, type GitTally, type RequestLimits } from './http';
import { KUSTOMIZATION_FILE_NAMES, updateKustomization } from './kustomization';
import { updateOverrideFile } from './override-file';
import { GitWorkspace, PushRejected, type CommitAuthor, type RemoteRefs } from './repository';
import { ensurePullRequest } from './pull-request';
import { normalizeGitUrl } from './repository-url';
import { planGitWrite, type GitPlan, type GitWriteBackSettings } from './settings';
import { commitMessage, writeBranchName, type ChangedImage } from './templates';

/** Fetch, re-apply and push again this many times in all when the remote moved. */
const MAX_PUSH_ATTEMPTS = 4;
/** Repositories written at the same time. */
const REPOSITORY_CONCURRENCY = 4;

export interface GitOptions {
  author: CommitAuthor;
  messageTemplate: GoTemplate;
  /** Where `repocreds` are read, and the namespace whose applications get `.argocd-source-<app>.yaml`. */
  argocdNamespace: string;
  /** GitHub's REST API base URL (GitHub Enterprise); default from the repository host. */
  githubApiUrl?: string;
  /** GitLab's REST API base URL (self-hosted); default `<repository origin>/api/v4`. */
  gitlabApiUrl?: string;
}

/** One application's change, as update-application hands it over. */
export interface GitChange {
  app: Application;
  writeBack: GitWriteBackSettings;
  type: SourceType;
  /** Every tracked image, moved or as it runs: the override file lists them all. */
  changes: ImageChange[];
  /** The images that move, for the branch and commit message templates. */
  moved: ChangedImage[];
  /** The commit message, instead of the template's (a revert says that it is one). */
  message?: string;
}

export type GitOutcome =
  | { status: 'written'; commit: string; branch: string; repository: string; pullRequest?: string }
  | { status: 'unchanged'; reason: string }
  | { status: 'error'; reason: string };

interface Pending {
  change: GitChange;
  done: (outcome: GitOutcome) => Promise<void>;
}

interface Ready {
  pending: Pending;
  change: GitChange;
  plan: GitPlan;
  credentials: GitCredentials;
  /** The secret itself (password, access token, installation token), for the forge's REST API. */
  token: string;
}

export class GitWriteBack {
  private readonly pending: Pending[] = [];
  private readonly credentials: GitCredentialStore;
  private readonly tokens = new Map<string, Promise<string>>();
  private readonly limits: RequestLimits;

  constructor(
    private readonly options: GitOptions,
    secrets: GitSecretAccess,
    private readonly log: Log,
    readonly tally: GitTally,
    deadline?: number,
  ) {
    this.credentials = new GitCredentialStore(secrets, options.argocdNamespace);
    this.limits = { deadline, timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS };
  }

  /** Queues a change; `done` runs with its outcome during `flush`. */
  add(change: GitChange, done: (outcome: GitOutcome) => Promise<void>): void {
    this.pending.push({ change, done });
  }

  /** Writes everything queued; every `done` has run when it resolves. Never throws. */
  async flush(): Promise<void> {
    const pending = this.pending.splice(0);
    if (pending.length === 0) return;
    const outcomes = new Map<Pending, GitOutcome>();
    const ready: Ready[] = [];
    for (const item of pending) {
      try {
        ready.push(await this.prepare(item));
      } catch (error) {
        outcomes.set(item, failure(error));
      }
    }
    const byRepository = groupBy(ready, (item) => `${normalizeGitUrl(item.plan.repository.href)}\n${item.credentials.source}`);
    await mapLimited([...byRepository.values()], REPOSITORY_CONCURRENCY, async (items) => {
      for (const [item, outcome] of await this.writeRepository(items)) outcomes.set(item, outcome);
    });
    for (const item of pending) {
      await item.done(outcomes.get(item) ?? { status: 'error', reason: 'not written' }).catch((error: unknown) => {
        this.log.warn(`after the git write of ${appKey(item.change.app)}: ${redact((error as Error).message)}`);
      });
    }
  }

  private async prepare(item: Pending): Promise<Ready> {
    const { app, writeBack, type } = item.change;
    const plan = planGitWrite(app, writeBack, type, this.options.argocdNamespace);
    const project = typeof app.spec.project === 'string' ? app.spec.project : undefined;
    const credentials = await this.credentials.forApplication({ namespace: app.metadata.namespace, project }, plan.credentials, plan.repository.href);
    return { pending: item, change: item.change, plan, credentials, token: await this.token(credentials, plan.repository) };
  }

  /** The password, or a GitHub App installation token minted once per run. */
  private async token(credentials: GitCredentials, repository: URL): Promise<string> {
    if (credentials.kind === 'password') return credentials.password;
    const api = githubApiBase(repository, credentials.enterpriseBaseUrl ?? this.options.githubApiUrl);
    const key = `${api}\n${credentials.appId}\n${credentials.installationId}`;
    let token = this.tokens.get(key);
    if (!token) {
      token = githubInstallationToken(api, credentials, this.limits, this.tally);
      this.tokens.set(key, token);
      token.catch(() => this.tokens.delete(key));
    }
    return token;
  }

  private authorization({ credentials, token }: Ready): Record<string, string> {
    const username = credentials.kind === 'password' ? credentials.username : 'x-access-token';
    return { Authorization: `Basic ${Buffer.from(`${username}:${token}`, 'utf8').toString('base64')}` };
  }

  /** One repository with one set of credentials: refs listed once, then each branch written. */
  private async writeRepository(items: Ready[]): Promise<Map<Pending, GitOutcome>> {
    const outcomes = new Map<Pending, GitOutcome>();
    const first = items[0] as Ready;
    const http = gitHttpClient(first.plan.repository, this.limits, this.tally);
    try {
      const workspace = await GitWorkspace.open(first.plan.repository, http, this.authorization(first));
      const needsRefs = items.some((item) => item.plan.baseBranch === undefined || item.plan.writeBranchTemplate);
      const remote = needsRefs ? await workspace.remoteRefs() : undefined;
      const branches = new Map<string, { base: string; push: string; items: Ready[] }>();
      for (const item of items) {
        try {
          const base = item.plan.baseBranch ?? remote?.defaultBranch;
          if (!base) throw new Error(`cannot tell the default branch of ${item.plan.repository.href}; set git-branch`);
          const push = item.plan.writeBranchTemplate
            ? writeBranchName(item.plan.writeBranchTemplate, item.change.moved, item.change.app.metadata)
            : base;
          const key = `${base}\n${push}`;
          const group = branches.get(key) ?? { base, push, items: [] };
          group.items.push(item);
          branches.set(key, group);
        } catch (error) {
          outcomes.set(item.pending, failure(error));
        }
      }
      for (const { base, push, items: members } of branches.values()) {
        try {
          const written = await this.writeBranch(workspace, base, push, members, remote);
          const existed = remote?.branches.has(push) ?? false;
          if (push !== base) await this.proposeChanges(base, push, members, written, existed);
          for (const [item, outcome] of written) outcomes.set(item, outcome);
        } catch (error) {
          for (const item of members) outcomes.set(item.pending, failure(error));
        }
      }
    } catch (error) {
      for (const item of items) if (!outcomes.has(item.pending)) outcomes.set(item.pending, failure(error));
    }
    return outcomes;
  }

  private async writeBranch(workspace: GitWorkspace, base: string, push: string, items: Ready[], remote: RemoteRefs | undefined): Promise<Map<Pending, GitOutcome>> {
    const repository = items[0]?.plan.repository.href ?? '';
    let refs = remote;
    for (let attempt = 1; ; attempt++) {
      // An existing write branch is reused: commits go on top of it, never over it.
      const start = push !== base && refs?.branches.has(push) ? push : base;
      const tip = await workspace.fetchBranch(start);
      let head = tip;
      const outcomes = new Map<Pending, GitOutcome>();
      for (const item of items) {
        try {
          const files = await this.edit(workspace, head, item);
          if (!files) {
            outcomes.set(item.pending, { status: 'unchanged', reason: `already set in ${repository} (${start})` });
            continue;
          }
          const message = item.change.message ?? commitMessage(this.options.messageTemplate, item.change.app.metadata.name, item.change.moved);
          head = await workspace.commit(head, files, message, this.options.author);
          outcomes.set(item.pending, { status: 'written', commit: head, branch: push, repository });
        } catch (error) {
          outcomes.set(item.pending, failure(error));
        }
      }
      if (head === tip) return outcomes;
      try {
        await workspace.push(head, push);
        const written = [...outcomes.values()].filter((outcome) => outcome.status === 'written').length;
        this.log.info(`pushed ${written} commit(s) to ${push} of ${repository}`, { repository, branch: push, commits: written, attempt });
        return outcomes;
      } catch (error) {
        if (!(error instanceof PushRejected) || attempt >= MAX_PUSH_ATTEMPTS) {
          const reason = failure(error);
          for (const [item, outcome] of outcomes) if (outcome.status === 'written') outcomes.set(item, reason);
          return outcomes;
        }
        this.log.info(`${push} of ${repository} moved while we wrote it; fetching it again`, { repository, branch: push, attempt });
        if (push !== base) refs = await workspace.remoteRefs();
      }
    }
  }

  /**
   * Opens the pull request of a write branch when its applications ask for one and the branch
   * carries changes: commits pushed now, or an existing branch whose changes are already there
   * (its request may have failed last run). None is opened twice for the same branches.
   */
  private async proposeChanges(base: string, head: string, items: Ready[], outcomes: Map<Pending, GitOutcome>, existed: boolean): Promise<void> {
    const asking = items.filter((item) => item.plan.pullRequest);
    const first = asking[0];
    if (!first?.plan.pullRequest) return;
    const statuses = asking.map((item) => outcomes.get(item.pending)?.status);
    if (!statuses.includes('written') && !(existed && statuses.includes('unchanged'))) return;
    const messages = asking.map((item) => commitMessage(this.options.messageTemplate, item.change.app.metadata.name, item.change.moved).trim());
    const title = asking.length === 1 ? (messages[0]?.split('\n')[0] ?? '') : `build: automatic update of ${asking.length} applications`;
    const labels = [...new Set(asking.flatMap((item) => item.plan.pullRequest?.labels ?? []))];
    const repository = first.plan.repository;
    try {
      const request = { repository, base, head, title, body: messages.join('\n\n'), labels, token: first.token };
      const githubApiUrl = (first.credentials.kind === 'github-app' && first.credentials.enterpriseBaseUrl) || this.options.githubApiUrl;
      const apis = { githubApiUrl, gitlabApiUrl: this.options.gitlabApiUrl };
      const result = await ensurePullRequest(first.plan.pullRequest.provider, request, apis, this.limits, this.tally);
      if (result.warning) this.log.warn(redact(result.warning), { repository: repository.href, pullRequest: result.url });
      if (result.created) this.log.info(`opened ${result.url} from ${head} to ${base}`, { repository: repository.href, pullRequest: result.url });
      for (const item of asking) {
        const outcome = outcomes.get(item.pending);
        if (outcome?.status === 'written') outcomes.set(item.pending, { ...outcome, pullRequest: result.url });
      }
    } catch (error) {
      const reason = `${head} carries the change but the pull request to ${base} could not be opened: ${redact((error as Error).message)}`;
      for (const item of asking) if (outcomes.get(item.pending)?.status !== 'error') outcomes.set(item.pending, { status: 'error', reason });
    }
  }

  /** The files this application's change rewrites at `head`, or undefined when their content is already right. */
  private async edit(workspace: GitWorkspace, head: string, item: Ready): Promise<Map<string, string> | undefined> {
    const { plan, change } = item;
    const { target } = plan;
    const write = (path: string, next: string | undefined) => (next === undefined ? undefined : new Map([[path, next]]));
    const within = async <T>(path: string, work: () => T | Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        throw new Error(`${path}: ${(error as Error).message}`);
      }
    };
    switch (target.kind) {
      case 'override': {
        const existing = await workspace.readFile(head, target.path);
        return write(target.path, await within(target.path, () => updateOverrideFile(existing, change.type, plan.source, change.changes)));
      }
      case 'helmvalues': {
        const existing = await workspace.readFile(head, target.path);
        return write(target.path, await within(target.path, () => updateHelmValues(existing, change.changes)));
      }
      case 'kustomization': {
        for (const name of KUSTOMIZATION_FILE_NAMES) {
          const path = posix.join(target.directory, name);
          const existing = await workspace.readFile(head, path);
          if (existing !== undefined) return write(path, await within(path, () => updateKustomization(existing, change.changes)));
        }
        throw new Error(`could not find a kustomization in ${target.directory || 'the repository root'}`);
      }
    }
  }
}

function failure(error: unknown): GitOutcome {
  return { status: 'error', reason: redact((error as Error).message) };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    groups.set(name, [...(groups.get(name) ?? []), item]);
  }
  return groups;
}
