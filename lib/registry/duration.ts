// Go's time.ParseDuration, which the reference uses for `credsexpire` ("12h", "1h30m", "90s").

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Seconds in a Go duration string; throws on anything Go would reject. */
export function parseGoDuration(text: string): number {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new Error(`invalid duration ${JSON.stringify(text)}`);
  let seconds = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < rest.length) {
    const match = TERM.exec(rest);
    if (!match) throw new Error(`invalid duration ${JSON.stringify(text)} (expected e.g. "12h", "1h30m", "90s")`);
    seconds += Number(match[1]) * (UNIT_SECONDS[match[2] ?? ''] ?? 0);
  }
  return sign * seconds;
}
