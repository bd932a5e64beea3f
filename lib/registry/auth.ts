// Authentication after the reference's challenge flow (d8): ping `/v2/` once, then answer the
// challenge it returns: a Bearer token per repository scope (credentials sent to the realm as
// Basic), or Basic credentials on every request, or nothing when the registry is open.
import type { Log } from '../model';
import { registerSecret } from '../report/secrets';
import type { RegistryEndpoint } from './config';
import { BODY_LIMITS, readJsonLimited } from './body-limit';
import { realmProblem } from './credential-scope';
import { credentialsIdentity, type RegistryCredentials } from './credentials';
import { RegistryError, errorFromResponse } from './errors';
import { TokenResponseSchema } from './schema';
import type { RegistryTransport } from './transport';
import { parseWwwAuthenticate, type AuthChallenge } from './www-authenticate';
import type { RegistryResponse } from './response';

/** The token lifetime the Docker token spec assumes when the server does not say. */
const DEFAULT_TOKEN_SECONDS = 60;
/** Renew a little early so a token does not expire between the check and the request. */
const TOKEN_RENEW_MARGIN_MS = 5_000;

type Scheme = { kind: 'none' } | { kind: 'basic' } | { kind: 'bearer'; realm: string; service?: string };

interface CachedToken {
  value: Promise<string>;
  expiresAt: number;
  /** Requests that carried this token. */
  uses: number;
}

/**
 * Bearer tokens outlive one cycle: a warm container reuses them until they expire (Docker Hub's
 * last 5 minutes), which saves a token request per repository per run. Keyed by registry,
 * credentials and scope, so no token ever serves other credentials.
 */
const sharedTokens = new Map<string, CachedToken>();

/** Answers shared beyond one client: the invocation's other cycles (lib/resolve/registry-work.ts). */
export interface SharedAnswers {
  once<T>(key: string, load: () => Promise<T>): Promise<T>;
}

export class Authenticator {
  private scheme: Promise<Scheme> | undefined;
  private readonly tokenKeyPrefix: string;

  constructor(
    private readonly transport: RegistryTransport,
    private readonly endpoint: RegistryEndpoint,
    private readonly credentials: RegistryCredentials | undefined,
    private readonly log: Log,
    /** With it, one ping per registry serves every cluster of the invocation. */
    private readonly shared?: SharedAnswers,
  ) {
    this.tokenKeyPrefix = `${endpoint.apiUrl}|${credentialsIdentity(credentials)}|`;
  }

  get hasCredentials(): boolean {
    return this.credentials !== undefined;
  }

  /** Pings the registry once, which also settles its base URL (see RegistryTransport.ping). */
  async ready(): Promise<void> {
    await this.challenge();
  }

  /** The Authorization header for a request on `repository`, or undefined for an open registry. */
  async authorization(repository: string): Promise<string | undefined> {
    const scheme = await this.challenge();
    if (scheme.kind === 'none') return undefined;
    if (scheme.kind === 'basic') return this.basicHeader();
    return `Bearer ${await this.token(scheme, repository)}`;
  }

  /**
   * After a 401 on `repository`: forget its token and take up the challenge the answer carries
   * (a registry may open `/v2/` and still protect repositories). True when a retry may succeed:
   * the challenge changed, or the refused token was an older one that may have expired early.
   */
  async recoverFromUnauthorized(response: RegistryResponse, repository: string): Promise<boolean> {
    const key = this.tokenKeyPrefix + pullScope(repository);
    const refused = sharedTokens.get(key);
    sharedTokens.delete(key);
    const challenged = schemeFrom(parseWwwAuthenticate(response.headers.get('www-authenticate') ?? ''));
    const current = this.scheme ? await this.scheme.catch(() => undefined) : undefined;
    if (challenged && !sameScheme(challenged, current)) {
      this.scheme = Promise.resolve(challenged);
      return true;
    }
    return (refused?.uses ?? 0) > 1;
  }

  /** The ping's outcome, shared by concurrent callers; a failed ping is tried again by the next call. */
  private challenge(): Promise<Scheme> {
    // The ping goes out without credentials: its answer is the registry's, whoever asks.
    const ping = () => (this.shared ? this.shared.once(`registry-challenge|${this.endpoint.apiUrl}`, () => this.ping()) : this.ping());
    this.scheme ??= ping().catch((error: unknown) => {
      this.scheme = undefined;
      throw error;
    });
    return this.scheme;
  }

  private async ping(): Promise<Scheme> {
    const response = await this.transport.ping();
    await response.discard();
    if (response.status === 200) return { kind: 'none' };
    if (response.status !== 401) {
      throw new RegistryError(
        { endpoint: this.endpoint },
        `${this.transport.baseUrl}/v2/ does not seem to be a valid v2 Docker Registry API (HTTP ${response.status})`,
        response.status,
      );
    }
    const scheme = schemeFrom(parseWwwAuthenticate(response.headers.get('www-authenticate') ?? ''));
    if (!scheme) {
      throw new RegistryError(
        { endpoint: this.endpoint },
        `${this.transport.baseUrl}/v2/ asks for authentication without a Bearer or Basic challenge`,
        401,
      );
    }
    this.log.debug('registry authentication', { registry: this.endpoint.name, scheme: scheme.kind });
    return scheme;
  }

  private basicHeader(): string | undefined {
    if (!this.credentials) return undefined;
    const header = `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`;
    registerSecret(header.slice('Basic '.length));
    return header;
  }

  private token(scheme: Extract<Scheme, { kind: 'bearer' }>, repository: string): Promise<string> {
    const scope = pullScope(repository);
    const key = this.tokenKeyPrefix + scope;
    const cached = sharedTokens.get(key);
    if (cached && cached.expiresAt > Date.now()) {
      cached.uses += 1;
      return cached.value;
    }
    const entry: CachedToken = { value: Promise.resolve(''), expiresAt: Number.POSITIVE_INFINITY, uses: 1 };
    entry.value = this.requestToken(scheme, scope, repository).then(
      ({ token, lifetimeSeconds }) => {
        entry.expiresAt = Date.now() + lifetimeSeconds * 1000 - TOKEN_RENEW_MARGIN_MS;
        return token;
      },
      (error: unknown) => {
        sharedTokens.delete(key);
        throw error;
      },
    );
    sharedTokens.set(key, entry);
    return entry.value;
  }

  private async requestToken(
    scheme: Extract<Scheme, { kind: 'bearer' }>,
    scope: string,
    repository: string,
  ): Promise<{ token: string; lifetimeSeconds: number }> {
    const errorScope = { endpoint: this.endpoint, repository };
    if (!URL.canParse(scheme.realm)) {
      throw new RegistryError(errorScope, `token realm ${JSON.stringify(scheme.realm)} is not a URL`);
    }
    const url = new URL(scheme.realm);
    if (scheme.service !== undefined) url.searchParams.set('service', scheme.service);
    url.searchParams.set('scope', scope);
    const basic = this.basicHeader();
    const problem = basic === undefined ? undefined : realmProblem(this.endpoint, new URL(this.transport.baseUrl), url);
    if (problem) throw new RegistryError(errorScope, problem);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (basic) headers.authorization = basic;

    const response = await this.transport.request('token', url.toString(), { headers, repository });
    if (!response.ok) {
      throw await errorFromResponse(errorScope, response, `token request to ${url.origin}${url.pathname}`, basic !== undefined);
    }
    const parsed = TokenResponseSchema.safeParse(await readJsonLimited(response, BODY_LIMITS.token).catch(() => undefined));
    if (!parsed.success) {
      throw new RegistryError(errorScope, `token server ${url.origin}${url.pathname} sent no usable token`);
    }
    const token = parsed.data.token ?? parsed.data.access_token ?? '';
    const expiresIn = parsed.data.expires_in;
    const lifetimeSeconds = expiresIn !== undefined && expiresIn > 0 ? expiresIn : DEFAULT_TOKEN_SECONDS;
    registerSecret(token, Date.now() + lifetimeSeconds * 1000);
    return { token, lifetimeSeconds };
  }
}

function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/** Bearer is preferred when a registry offers both. */
function schemeFrom(challenges: AuthChallenge[]): Scheme | undefined {
  const bearer = challenges.find((challenge) => challenge.scheme === 'bearer' && challenge.params.realm);
  if (bearer?.params.realm) {
    const scheme: Scheme = { kind: 'bearer', realm: bearer.params.realm };
    if (bearer.params.service !== undefined) scheme.service = bearer.params.service;
    return scheme;
  }
  if (challenges.some((challenge) => challenge.scheme === 'basic')) return { kind: 'basic' };
  return undefined;
}

function sameScheme(a: Scheme, b: Scheme | undefined): boolean {
  if (!b || a.kind !== b.kind) return false;
  if (a.kind === 'bearer' && b.kind === 'bearer') return a.realm === b.realm && a.service === b.service;
  return true;
}
