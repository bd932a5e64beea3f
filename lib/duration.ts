// Go's time.ParseDuration syntax (`90s`, `5m`, `1h30m`, `1.5h`), which the reference uses for its
// own durations and users already know.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 MICRO SIGN
  'μs': 1e-3, // U+03BC GREEK SMALL LETTER MU
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** The duration in milliseconds, or undefined when `text` is not a Go duration. */
export function parseGoDuration(text: string): number | undefined {
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[-+]/, '');
  if (body === '0') return 0;
  let total = 0;
  let consumed = 0;
  // Sticky: the segments must follow each other with nothing in between.
  for (const [segment, number = '', unit = ''] of body.matchAll(/(\d*(?:\.\d*)?)([a-zµμ]+)/gy)) {
    const unitMs = UNIT_MS[unit];
    if (unitMs === undefined || number === '' || number === '.') return undefined;
    total += Number(number) * unitMs;
    consumed += segment.length;
  }
  return body !== '' && consumed === body.length ? sign * total : undefined;
}
