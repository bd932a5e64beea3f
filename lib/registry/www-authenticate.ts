// The `WWW-Authenticate` header of a `/v2/` answer (RFC 7235): one or more challenges, each a
// scheme and its parameters, e.g. `Bearer realm="https://auth.docker.io/token",service="registry.docker.io"`.

export interface AuthChallenge {
  /** Lower case: `bearer`, `basic`. */
  scheme: string;
  /** Parameter names in lower case. */
  params: Record<string, string>;
}

const TOKEN = /[^\s,=]+/y;
const SPACES = /[\s]*/y;

export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let position = 0;

  const skip = (pattern: RegExp) => {
    pattern.lastIndex = position;
    const match = pattern.exec(header);
    if (match) position = pattern.lastIndex;
    return match?.[0];
  };

  while (position < header.length) {
    skip(/[\s,]*/y);
    const word = skip(TOKEN);
    if (word === undefined) {
      position += 1;
      continue;
    }
    skip(SPACES);
    const current = challenges.at(-1);
    if (header[position] === '=' && current) {
      position += 1;
      skip(SPACES);
      current.params[word.toLowerCase()] = header[position] === '"' ? readQuoted() : (skip(/[^\s,]*/y) ?? '');
    } else if (header[position] === '=') {
      // A parameter before any scheme: malformed, skip its value.
      position += 1;
      skip(/"(?:[^"\\]|\\.)*"|[^\s,]*/y);
    } else {
      challenges.push({ scheme: word.toLowerCase(), params: {} });
    }
  }
  return challenges;

  function readQuoted(): string {
    let value = '';
    position += 1;
    while (position < header.length && header[position] !== '"') {
      if (header[position] === '\\' && position + 1 < header.length) position += 1;
      value += header[position];
      position += 1;
    }
    position += 1;
    return value;
  }
}
