// A Kubernetes bearer token for EKS, minted locally the way `aws eks get-token` does: a presigned
// STS GetCallerIdentity URL, which the EKS authenticator replays against STS to learn who we are.
// No network call happens here.
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4, type SignatureV4Init } from '@smithy/signature-v4';
import { registerSecret } from '../report/secrets';

/** Static credentials or a provider of them (the function role, an assumed role). */
export type AwsCredentials = SignatureV4Init['credentials'];

export interface EksTokenRequest {
  clusterName: string;
  region: string;
  credentials: AwsCredentials;
  /** Signing time; defaults to the current time. */
  now?: Date;
}

export interface EksToken {
  token: string;
  /** When to stop using the token: one minute before the 15 minutes EKS grants after signing. */
  expiresAt: Date;
}

const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** EKS accepts a token for 15 minutes after X-Amz-Date, whatever X-Amz-Expires says. */
const EKS_TOKEN_LIFETIME_MS = 15 * 60_000;
const EXPIRY_MARGIN_MS = 60_000;
/** The value the AWS CLI and aws-iam-authenticator send; the authenticator ignores it. */
const PRESIGN_EXPIRES_SECONDS = 60;
/** The query parameters in the order the AWS CLI writes them. */
const QUERY_ORDER = [
  'Action',
  'Version',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Security-Token',
  'X-Amz-Signature',
];

export async function createEksToken(request: EksTokenRequest): Promise<EksToken> {
  const { clusterName, region, credentials } = request;
  const now = request.now ?? new Date();
  const hostname = `sts.${region}.amazonaws.com`;
  const signer = new SignatureV4({ service: 'sts', region, credentials, sha256: Sha256 });
  const presigned = await signer.presign(
    new HttpRequest({
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      // Only x-amz-* headers are moved into the query: x-k8s-aws-id stays a signed header.
      headers: { host: hostname, [CLUSTER_ID_HEADER]: clusterName },
    }),
    { signingDate: now, expiresIn: PRESIGN_EXPIRES_SECONDS },
  );
  const query = QUERY_ORDER.flatMap((name) => {
    const value = presigned.query?.[name];
    return typeof value === 'string' ? [`${name}=${encodeRfc3986(value)}`] : [];
  });
  const url = `https://${hostname}/?${query.join('&')}`;
  const token = EKS_TOKEN_PREFIX + Buffer.from(url).toString('base64url');
  const signedAt = Math.floor(now.getTime() / 1000) * 1000; // X-Amz-Date has whole seconds
  registerSecret(token, Date.now() + EKS_TOKEN_LIFETIME_MS);
  return { token, expiresAt: new Date(signedAt + EKS_TOKEN_LIFETIME_MS - EXPIRY_MARGIN_MS) };
}

/** encodeURIComponent plus the characters RFC 3986 reserves and SigV4 escapes. */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
