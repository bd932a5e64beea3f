// Whether a webhook call comes from whoever holds the provider's secret. GitHub signs the body
// (HMAC-SHA256, X-Hub-Signature-256); Harbor sends the policy's "Auth Header" value verbatim in
// Authorization; Docker Hub and Quay sign nothing, so their URL carries a token (`?token=`) and
// the URL itself is the secret. Every comparison takes the same time whatever the input.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookProvider } from '../push/registry-push-event';
import type { WebhookRequest } from './request';

/** Equal strings, compared in constant time (through their digests, so lengths leak nothing either). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** `sha256=<hex>` of the body under `secret`, as GitHub computes it. */
export function githubSignature(body: Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Why the call is refused, or undefined when it is authentic. Never names the secret. */
export function refusal(provider: WebhookProvider, request: WebhookRequest, secret: string): string | undefined {
  switch (provider) {
    case 'ghcr': {
      const signature = request.headers['x-hub-signature-256'];
      if (!signature) return 'no X-Hub-Signature-256 header';
      return sameSecret(signature, githubSignature(request.body, secret)) ? undefined : 'wrong signature';
    }
    case 'harbor': {
      const authorization = request.headers.authorization;
      if (!authorization) return 'no Authorization header';
      return sameSecret(authorization, secret) ? undefined : 'wrong Authorization header';
    }
    case 'dockerhub':
    case 'quay': {
      const token = request.query.token;
      if (!token) return 'no token in the URL';
      return sameSecret(token, secret) ? undefined : 'wrong token';
    }
  }
}
