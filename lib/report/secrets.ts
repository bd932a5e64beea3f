// Every secret is registered here the moment it is obtained (registry passwords, bearer tokens, pull
// secrets, EKS tokens, git credentials), so that no log line or error message can print it: not as
// written, nor base64- or URL-encoded. Memory is bounded: a secret is forgotten when its token
// expires (or after a default lifetime, renewed each time it is registered again, which every
// cycle using it does), and at most MAX_SECRETS are kept, the least recently registered going first.

const REDACTED = '***';
/** Short values would redact ordinary words; they are still never logged on purpose. */
const MIN_SECRET_LENGTH = 4;
export const MAX_SECRETS = 2048;
/** Secrets without an expiry of their own (passwords) are kept this long after their last use. */
const DEFAULT_LIFETIME_MS = 6 * 60 * 60_000;
/** A token may still appear in an error shortly after it expired. */
const EXPIRY_GRACE_MS = 10 * 60_000;

interface Entry {
  /** The secret and the encoded forms in which it may appear in a message. */
  forms: string[];
  expiresAt: number;
}

const secrets = new Map<string, Entry>();
/** Expired secrets are looked for at most this often: redact runs for every string of every log line. */
const SWEEP_INTERVAL_MS = 1000;
let lastSweep = 0;
/** Every form of every secret, longest first, so that a form containing another is replaced whole; rebuilt on change. */
let orderedForms: string[] | undefined;

/** Registers `value`; `expiresAt` (epoch ms) for a token that stops being valid then. */
export function registerSecret(value: string | undefined, expiresAt?: number | Date, now = Date.now()): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  const until = (expiresAt === undefined ? now + DEFAULT_LIFETIME_MS : Number(expiresAt)) + EXPIRY_GRACE_MS;
  // Re-inserting moves the secret to the end: the map's order is the order of last registration.
  secrets.delete(value);
  secrets.set(value, { forms: encodedForms(value), expiresAt: until });
  orderedForms = undefined;
  for (const [oldest] of secrets) {
    if (secrets.size <= MAX_SECRETS) break;
    secrets.delete(oldest);
  }
}

/** How many secrets the sanitizer holds (for tests of its bound). */
export function registeredSecretCount(now = Date.now()): number {
  lastSweep = Number.NEGATIVE_INFINITY;
  forgetExpired(now);
  return secrets.size;
}

export function redact(text: string, now = Date.now()): string {
  if (secrets.size === 0) return text;
  forgetExpired(now);
  orderedForms ??= [...new Set([...secrets.values()].flatMap((entry) => entry.forms))].sort((a, b) => b.length - a.length);
  let out = text;
  for (const form of orderedForms) {
    if (out.includes(form)) out = out.split(form).join(REDACTED);
  }
  return out;
}

function forgetExpired(now: number): void {
  if (now - lastSweep < SWEEP_INTERVAL_MS && now >= lastSweep) return;
  lastSweep = now;
  for (const [value, entry] of secrets) {
    if (entry.expiresAt > now) continue;
    secrets.delete(value);
    orderedForms = undefined;
  }
}

/** The value, its base64 (with and without padding, standard and URL-safe) and its URL encodings. */
function encodedForms(value: string): string[] {
  const base64 = Buffer.from(value).toString('base64');
  const forms = [
    value,
    base64,
    base64.replace(/=+$/, ''),
    Buffer.from(value).toString('base64url'),
    encodeURIComponent(value),
    // application/x-www-form-urlencoded, as URLSearchParams writes it.
    new URLSearchParams({ v: value }).toString().slice(2),
  ];
  return forms.filter((form) => form.length >= MIN_SECRET_LENGTH);
}
