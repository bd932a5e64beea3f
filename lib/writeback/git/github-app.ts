// GitHub App credentials: a JWT (RS256, signed in-process with the app's private key) exchanged
// for an installation token, which then authenticates git over https as `x-access-token`.
import { createSign } from 'node:crypto';
import { registerSecret } from '../../report/secrets';
import { fetch } from 'undici';
import { readJsonLimited } from '../../registry/body-limit';
import { API_ANSWER_LIMIT, describeFetchError, gitDispatcher, requestSignal, type GitTally, type RequestLimits } from './http';

/** GitHub's REST API for a repository host: api.github.com for github.com, `/api/v3` on GitHub Enterprise. */
export function githubApiBase(repository: URL, configured?: string): string {
  if (configured) return configured.replace(/\/+$/, '');
  if (repository.hostname === 'github.com' || repository.hostname === 'www.github.com') return 'https://api.github.com';
  return `${repository.protocol}//${repository.host}/api/v3`;
}

/** A JWT for the GitHub App, valid 9 minutes from a minute ago (clock skew), as GitHub recommends. */
export function githubAppJwt(appId: string, privateKeyPem: string, now: Date = new Date()): string {
  const issuedAt = Math.floor(now.getTime() / 1000) - 60;
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ iat: issuedAt, exp: issuedAt + 600, iss: appId }));
  let signature: string;
  try {
    signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKeyPem, 'base64url');
  } catch {
    throw new Error(`GitHub App ${appId}: githubAppPrivateKey is not a usable RSA private key (PEM)`);
  }
  return `${header}.${payload}.${signature}`;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** POST /app/installations/{id}/access_tokens; the token is registered as a secret before it is returned. */
export async function githubInstallationToken(
  apiBase: string,
  app: { appId: string; installationId: string; privateKey: string },
  limits: RequestLimits,
  tally: GitTally,
): Promise<string> {
  if (!/^\d+$/.test(app.appId) || !/^\d+$/.test(app.installationId)) {
    throw new Error('GitHub App: githubAppID and githubAppInstallationID must be numbers');
  }
  const jwt = githubAppJwt(app.appId, app.privateKey);
  registerSecret(jwt);
  const url = `${apiBase}/app/installations/${app.installationId}/access_tokens`;
  tally.apiRequests++;
  const response = await fetch(url, {
    method: 'POST',
    headers: { Authorization: `Bearer ${jwt}`, Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28', 'User-Agent': 'image-updater-lambda' },
    redirect: 'manual',
    signal: requestSignal(limits),
    dispatcher: gitDispatcher,
  }).catch((error: unknown) => {
    throw new Error(`GitHub App ${app.appId}: cannot reach ${apiBase}: ${describeFetchError(error)}`);
  });
  if (response.status !== 201) {
    throw new Error(`GitHub App ${app.appId}: installation ${app.installationId} token request answered HTTP ${response.status}`);
  }
  const body = ((await readJsonLimited(response, API_ANSWER_LIMIT).catch(() => undefined)) ?? {}) as { token?: unknown };
  if (typeof body.token !== 'string' || body.token === '') throw new Error(`GitHub App ${app.appId}: the token response has no token`);
  registerSecret(body.token);
  return body.token;
}
