// Git credentials for one application: `git:secret:<namespace>/<name>` (from the application's own
// namespace or Argo CD's), or `repocreds`: Argo CD's `repository` Secrets matched by URL, then its
// `repo-creds` Secrets by the longest URL prefix. Values are registered as secrets when read.
import type { ListedSecret } from '../../kube/secrets';
import { coversRepository, sameRepositoryUrl } from './repository-url';

export type GitCredentials =
  | { kind: 'password'; username: string; password: string; source: string }
  | { kind: 'github-app'; appId: string; installationId: string; privateKey: string; enterpriseBaseUrl?: string; source: string };

export interface GitSecretAccess {
  /** Values are registered as secrets, except those of `publicFields`. */
  readSecret(namespace: string, name: string, publicFields?: readonly string[]): Promise<Record<string, string>>;
  listSecrets(namespace: string, labelSelector: string, publicFields?: readonly string[]): Promise<ListedSecret[]>;
}

const SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';
/** Fields of Argo CD's repository Secrets that are not secret: logs may name the repository and project. */
const PUBLIC_FIELDS = ['url', 'type', 'name', 'project', 'insecure', 'enableLFS', 'enableOCI', 'githubAppID', 'githubAppInstallationID', 'githubAppEnterpriseBaseUrl', 'proxy', 'noProxy', 'forceHttpBasicAuth', 'depth'];

/** One per cycle: Argo CD's repository Secrets are listed once, whatever the number of applications. */
export class GitCredentialStore {
  private argocdSecrets?: Promise<ListedSecret[]>;

  constructor(
    private readonly secrets: GitSecretAccess,
    private readonly argocdNamespace: string,
  ) {}

  /**
   * @param reference `repocreds` or `secret:<namespace>/<name>`
   * @throws Error naming the secret or the repository, never a value read from a secret.
   */
  async forApplication(app: { namespace: string; project?: string }, reference: string, repository: string): Promise<GitCredentials> {
    if (reference === 'repocreds') return this.repositoryCredentials(repository, app.project);
    const match = /^secret:([^/\s]+)\/([^/\s]+)$/.exec(reference);
    if (!match) throw new Error(`invalid git credentials ${JSON.stringify(reference)}; expected repocreds or secret:<namespace>/<name>`);
    const [, namespace = '', name = ''] = match;
    if (namespace !== app.namespace && namespace !== this.argocdNamespace) {
      throw new Error(`git credentials secret ${namespace}/${name}: only secrets in the application's namespace (${app.namespace}) or Argo CD's (${this.argocdNamespace}) may be used`);
    }
    let data: Record<string, string>;
    try {
      data = await this.secrets.readSecret(namespace, name, PUBLIC_FIELDS);
    } catch (error) {
      throw new Error(`cannot read git credentials secret ${namespace}/${name}: ${(error as Error).message}`);
    }
    // A credential goes only to the repositories it was given for: a Secret with a `url` only to
    // that repository (or below that prefix), and a Secret of Argo CD's namespace used by an
    // application of another namespace must say which with a `url`.
    const url = data.url?.trim();
    if (url && !coversRepository(url, repository)) {
      throw new Error(`git credentials secret ${namespace}/${name} is for ${url}, not for ${repository}`);
    }
    if (!url && namespace !== app.namespace) {
      throw new Error(`git credentials secret ${namespace}/${name} has no url field: an application of another namespace (${app.namespace}) may use it only for the repository its url names`);
    }
    const credentials = credentialsFromSecret(data, `secret:${namespace}/${name}`);
    if (credentials) return credentials;
    const missing = ['username', 'password'].filter((field) => !data[field]);
    throw new Error(`invalid secret ${namespace}/${name}: does not contain field ${missing.join(' and ')} (nor githubAppID, githubAppInstallationID and githubAppPrivateKey)`);
  }

  private async repositoryCredentials(repository: string, project: string | undefined): Promise<GitCredentials> {
    this.argocdSecrets ??= this.secrets.listSecrets(this.argocdNamespace, `${SECRET_TYPE_LABEL} in (repository,repo-creds)`, PUBLIC_FIELDS);
    let secrets: ListedSecret[];
    try {
      secrets = await this.argocdSecrets;
    } catch (error) {
      this.argocdSecrets = undefined;
      throw new Error(`cannot list Argo CD repository secrets in ${this.argocdNamespace}: ${(error as Error).message}`);
    }
    const inProject = (secret: ListedSecret) => !secret.data.project || secret.data.project === project;
    const ofType = (type: string) => secrets.filter((secret) => secret.labels[SECRET_TYPE_LABEL] === type && secret.data.url && inProject(secret));
    for (const secret of ofType('repository')) {
      if (!sameRepositoryUrl(secret.data.url ?? '', repository)) continue;
      const credentials = credentialsFromSecret(secret.data, `repository secret ${this.argocdNamespace}/${secret.name}`, true);
      if (credentials) return credentials;
    }
    const templates = ofType('repo-creds')
      .filter((secret) => coversRepository(secret.data.url ?? '', repository))
      .sort((a, b) => (b.data.url ?? '').length - (a.data.url ?? '').length);
    for (const secret of templates) {
      const credentials = credentialsFromSecret(secret.data, `repo-creds secret ${this.argocdNamespace}/${secret.name}`, true);
      if (credentials) return credentials;
    }
    throw new Error(`credentials for '${repository}' are not configured in Argo CD settings (namespace ${this.argocdNamespace})`);
  }
}

/** Password (or token) first, then GitHub App keys, as Argo CD orders them. */
function credentialsFromSecret(data: Record<string, string>, source: string, usernameOptional = false): GitCredentials | undefined {
  if (data.password && (data.username || usernameOptional)) {
    return { kind: 'password', username: data.username ?? '', password: data.password, source };
  }
  if (data.githubAppID && data.githubAppInstallationID && data.githubAppPrivateKey) {
    return {
      kind: 'github-app',
      appId: data.githubAppID.trim(),
      installationId: data.githubAppInstallationID.trim(),
      privateKey: data.githubAppPrivateKey,
      ...(data.githubAppEnterpriseBaseUrl && { enterpriseBaseUrl: data.githubAppEnterpriseBaseUrl.trim() }),
      source,
    };
  }
  return undefined;
}
