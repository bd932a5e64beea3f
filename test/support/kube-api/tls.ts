// A throwaway CA and a serving certificate for 127.0.0.1, made with the `openssl` CLI.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServingCertificate {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function issue(): Promise<ServingCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'kube-api-tls-'));
  const file = (name: string) => join(dir, name);
  try {
    await run('openssl', [
      'req', '-x509', ...EC_KEY, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '2',
      '-subj', '/CN=kube-api-double-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    await run('openssl', ['req', ...EC_KEY, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=kube-apiserver']);
    await writeFile(
      file('server.ext'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
    );
    await run('openssl', [
      'x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial',
      '-out', file('server.crt'), '-days', '2', '-extfile', file('server.ext'),
    ]);
    const [caPem, certPem, keyPem] = await Promise.all([
      readFile(file('ca.crt'), 'utf8'),
      readFile(file('server.crt'), 'utf8'),
      readFile(file('server.key'), 'utf8'),
    ]);
    return { caPem, certPem, keyPem };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let issued: Promise<ServingCertificate> | undefined;

/** One certificate per test process: every TLS double in it serves the same one. */
export function servingCertificate(): Promise<ServingCertificate> {
  issued ??= issue();
  return issued;
}
