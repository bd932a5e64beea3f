// What the EKS authenticator (aws-iam-authenticator pkg/token) and STS check before they accept a
// bearer token, recomputed with node:crypto only, independent of the signer under test.
import { createHash, createHmac } from 'node:crypto';

export interface EksTokenExpectation {
  /** The cluster the API server belongs to; the token must have signed it as x-k8s-aws-id. */
  clusterName: string;
  /** The secret access key STS knows for an access key id; undefined for an unknown key. */
  credentials: (accessKeyId: string) => string | undefined;
  now: Date;
}

const PREFIX = 'k8s-aws-v1.';
const MAX_TOKEN_BYTES = 4096;
const LIFETIME_MS = 15 * 60_000;
/** Signatures dated this far ahead of the verifier's clock are refused (SigV4 clock skew). */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const MAX_EXPIRES_SECONDS = 900;
const ALLOWED_PARAMS = new Set([
  'Action',
  'Version',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-Security-Token',
  'X-Amz-Signature',
  'X-Amz-SignedHeaders',
]);
const EMPTY_PAYLOAD_SHA256 = createHash('sha256').update('').digest('hex');

/** True only for a token a real EKS authenticator, and then STS, would accept for this cluster. */
export function verifyEksToken(token: string, expected: EksTokenExpectation): boolean {
  return eksTokenRejection(token, expected) === undefined;
}

/** Why the token would be refused, or undefined when it would be accepted. */
export function eksTokenRejection(token: string, expected: EksTokenExpectation): string | undefined {
  if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) return 'token longer than 4096 bytes';
  if (!token.startsWith(PREFIX)) return `token does not start with ${PREFIX}`;
  const encoded = token.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return 'token is not unpadded base64url';

  let url: URL;
  try {
    url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return 'token does not decode to a URL';
  }
  if (url.protocol !== 'https:') return `scheme ${url.protocol} is not https`;
  if (url.port !== '') return `unexpected port ${url.port}`;
  const hostRegion = stsHostRegion(url.hostname);
  if (!hostRegion) return `host ${url.hostname} is not an STS endpoint`;
  if (url.pathname !== '/') return `path ${url.pathname} is not /`;

  const params = new Map<string, string>();
  for (const [name, value] of url.searchParams) {
    if (!ALLOWED_PARAMS.has(name)) return `query parameter ${name} is not allowed`;
    if (params.has(name)) return `query parameter ${name} is duplicated`;
    params.set(name, value);
  }
  if (params.get('Action') !== 'GetCallerIdentity') return 'Action is not GetCallerIdentity';
  if (params.get('Version') !== '2011-06-15') return 'Version is not 2011-06-15';
  if (params.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return 'X-Amz-Algorithm is not AWS4-HMAC-SHA256';

  const signedHeaders = params.get('X-Amz-SignedHeaders') ?? '';
  if (!signedHeaders.split(';').includes('x-k8s-aws-id')) {
    return 'client did not sign the x-k8s-aws-id header in the pre-signed URL';
  }
  // On replay only host and x-k8s-aws-id are sent, so any other signed header breaks the signature.
  if (signedHeaders !== 'host;x-k8s-aws-id') return `SignedHeaders ${signedHeaders} is not host;x-k8s-aws-id`;

  const expires = Number(params.get('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires < 0 || expires > MAX_EXPIRES_SECONDS) {
    return `X-Amz-Expires ${params.get('X-Amz-Expires')} is outside 0..900`;
  }
  const amzDate = params.get('X-Amz-Date') ?? '';
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) return `X-Amz-Date ${amzDate} is malformed`;
  if (expected.now.getTime() > signedAt + LIFETIME_MS) return 'token expired (15 minutes after X-Amz-Date)';
  if (signedAt - expected.now.getTime() > MAX_CLOCK_SKEW_MS) return 'X-Amz-Date is in the future';

  const [accessKeyId, scopeDate, scopeRegion, scopeService, scopeTerminator, ...extra] = (
    params.get('X-Amz-Credential') ?? ''
  ).split('/');
  if (!accessKeyId || extra.length > 0 || scopeTerminator !== 'aws4_request') return 'X-Amz-Credential is malformed';
  if (scopeDate !== amzDate.slice(0, 8)) return 'credential scope date differs from X-Amz-Date';
  if (scopeRegion !== hostRegion) return `credential scope region ${scopeRegion} does not match host ${url.hostname}`;
  if (scopeService !== 'sts') return `credential scope service ${scopeService} is not sts`;
  const secret = expected.credentials(accessKeyId);
  if (secret === undefined) return `unknown access key ${accessKeyId}`;

  const canonicalQuery = [...params]
    .filter(([name]) => name !== 'X-Amz-Signature')
    .map(([name, value]) => [encodeRfc3986(name), encodeRfc3986(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const canonicalRequest = [
    'GET',
    '/',
    canonicalQuery,
    `host:${url.hostname}`,
    `x-k8s-aws-id:${expected.clusterName}`,
    '',
    signedHeaders,
    EMPTY_PAYLOAD_SHA256,
  ].join('\n');
  const scope = `${scopeDate}/${scopeRegion}/sts/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = [scopeDate, scopeRegion, 'sts', 'aws4_request'].reduce<Buffer>(
    (key, part) => hmac(key, part),
    Buffer.from(`AWS4${secret}`),
  );
  const signature = hmac(signingKey, stringToSign).toString('hex');
  if (params.get('X-Amz-Signature') !== signature) return 'signature does not match (wrong secret, cluster or tampering)';
  return undefined;
}

/** The signing region an STS host implies; undefined for a host outside the allow-list. */
function stsHostRegion(host: string): string | undefined {
  if (host === 'sts.amazonaws.com') return 'us-east-1';
  return /^sts\.([a-z]{2}(?:-[a-z]+)+-\d)\.(?:amazonaws\.com|api\.aws)$/.exec(host)?.[1];
}

function parseAmzDate(value: string): number | undefined {
  const parts = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!parts) return undefined;
  const [year, month, day, hour, minute, second] = parts.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}
