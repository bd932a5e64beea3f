// Every secret is registered here the moment it is obtained (registry passwords, bearer tokens, pull
// secrets, EKS tokens, git credentials), so that no log line or error message can print it.

const secrets = new Set<string>();
const REDACTED = '***';
/** Short values would redact ordinary words; they are still never logged on purpose. */
const MIN_SECRET_LENGTH = 4;

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** Redacts every string inside a log record, however deeply nested. */
export function redactFields<T>(value: T): T {
  if (secrets.size === 0) return value;
  return redactValue(value) as T;
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (value instanceof Error) return redact(value.message);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v)]));
  }
  return value;
}
