// A registry webhook's HTTP request as a Lambda Function URL delivers it (payload format 2.0):
// header names in lower case, the body as text or base64. Read into what the webhook needs, with
// the body capped before anything else looks at it.
import type { LambdaFunctionURLEvent } from 'aws-lambda';

/** Registries send a few kilobytes; Docker Hub's payload carries the repository's description. */
export const MAX_BODY_BYTES = 256 * 1024;

export interface WebhookRequest {
  method: string;
  /** The path's first segment: the provider, e.g. `ghcr` for `/ghcr` or `/ghcr/`. */
  route: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  query: Record<string, string>;
  /** The raw bytes the sender signed. */
  body: Buffer;
}

export type RequestReading = { kind: 'request'; request: WebhookRequest } | { kind: 'too-large'; bytes: number };

export function readRequest(event: LambdaFunctionURLEvent): RequestReading {
  const text = event.body ?? '';
  // base64 is 4 characters for 3 bytes: a body that cannot fit is refused without decoding it.
  const upperBound = event.isBase64Encoded ? Math.floor((text.length * 3) / 4) : Buffer.byteLength(text);
  if (upperBound > MAX_BODY_BYTES + 2) return { kind: 'too-large', bytes: upperBound };
  const body = event.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  if (body.length > MAX_BODY_BYTES) return { kind: 'too-large', bytes: body.length };
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).flatMap(([name, value]) => (value === undefined ? [] : [[name.toLowerCase(), value]])));
  const query = Object.fromEntries(Object.entries(event.queryStringParameters ?? {}).flatMap(([name, value]) => (value === undefined ? [] : [[name, value]])));
  const path = event.rawPath ?? event.requestContext?.http?.path ?? '/';
  return {
    kind: 'request',
    request: {
      method: (event.requestContext?.http?.method ?? '').toUpperCase(),
      route: path.split('/').filter((segment) => segment !== '')[0] ?? '',
      headers,
      query,
      body,
    },
  };
}
