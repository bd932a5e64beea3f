// A Docker token server for the registry's `auth.token`: RS256 JWTs with the signing certificate in
// `x5c`, so the registry trusts them through its rootcertbundle. Known users get the actions they
// ask for; anonymous callers get a token without access; a wrong password gets 401.
import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SigningCertificate } from './certificates';

export interface RegistryUser {
  username: string;
  password: string;
}

export interface AccessEntry {
  type: 'repository';
  name: string;
  actions: string[];
}

export const TOKEN_SERVICE = 'image-updater-test-registry';
export const TOKEN_ISSUER = 'image-updater-test-token-server';
const TOKEN_SECONDS = 300;

export class TokenIssuer {
  private readonly key: KeyObject;
  private readonly certificateDer: string;

  constructor(signing: SigningCertificate) {
    this.key = createPrivateKey(signing.privateKeyPem);
    this.certificateDer = signing.certificatePem
      .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
      .replace(/\s+/g, '');
  }

  mint(subject: string, access: AccessEntry[]): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [this.certificateDer] };
    const claims = {
      iss: TOKEN_ISSUER,
      sub: subject,
      aud: TOKEN_SERVICE,
      exp: now + TOKEN_SECONDS,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const unsigned = `${base64Url(JSON.stringify(header))}.${base64Url(JSON.stringify(claims))}`;
    return `${unsigned}.${base64Url(sign('sha256', Buffer.from(unsigned), this.key))}`;
  }
}

export interface TokenServer {
  realm: string;
  requests(): number;
  close(): Promise<void>;
}

export async function startTokenServer(issuer: TokenIssuer, users: RegistryUser[]): Promise<TokenServer> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests += 1;
    const url = new URL(request.url ?? '/', 'http://token');
    const user = authenticate(request.headers.authorization, users);
    if (user === null) {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }));
      return;
    }
    // Anonymous callers get a valid token that grants nothing, as Docker Hub does for private repositories.
    const access = user === undefined ? [] : url.searchParams.getAll('scope').flatMap(parseScope);
    const token = issuer.mint(user?.username ?? '', access);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ token, access_token: token, expires_in: TOKEN_SECONDS, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** undefined: anonymous; null: wrong credentials. */
function authenticate(header: string | undefined, users: RegistryUser[]): RegistryUser | undefined | null {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  return users.find((user) => user.username === username && user.password === password) ?? null;
}

/** `repository:team/app:pull,push` */
function parseScope(scope: string): AccessEntry[] {
  const match = /^repository:([^:]+):(.+)$/.exec(scope);
  if (!match?.[1] || !match[2]) return [];
  return [{ type: 'repository', name: match[1], actions: match[2].split(',') }];
}

function base64Url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}
