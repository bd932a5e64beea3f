// Key material made with openssl in the registry's temp dir: a CA and a server certificate for
// 127.0.0.1 (TLS), and a self-signed certificate whose key signs the token server's JWTs.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DAYS = '2';
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

export interface ServerCertificate {
  caPem: string;
  certificatePath: string;
  keyPath: string;
}

export interface SigningCertificate {
  certificatePath: string;
  certificatePem: string;
  privateKeyPem: string;
}

export async function makeServerCertificate(dir: string): Promise<ServerCertificate> {
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.crt');
  const keyPath = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const certificatePath = join(dir, 'server.crt');
  const extensions = join(dir, 'server.ext');

  // EC keys for TLS: generated in milliseconds, where RSA takes a noticeable part of a second.
  await openssl('req', '-x509', ...EC_KEY, '-nodes', '-sha256', '-days', DAYS, '-subj', '/CN=image-updater test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', caKey, '-out', caCert);
  await openssl('req', ...EC_KEY, '-nodes', '-sha256', '-subj', '/CN=127.0.0.1', '-keyout', keyPath, '-out', csr);
  await writeFile(
    extensions,
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
  );
  await openssl('x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-sha256', '-days', DAYS,
    '-extfile', extensions, '-out', certificatePath);
  return { caPem: await readFile(caCert, 'utf8'), certificatePath, keyPath };
}

/** RSA, for the RS256 tokens the registry verifies. */
export async function makeSigningCertificate(dir: string): Promise<SigningCertificate> {
  const keyPath = join(dir, 'token.key');
  const certificatePath = join(dir, 'token.crt');
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', DAYS, '-subj', '/CN=image-updater test token signer',
    '-keyout', keyPath, '-out', certificatePath);
  return {
    certificatePath,
    certificatePem: await readFile(certificatePath, 'utf8'),
    privateKeyPem: await readFile(keyPath, 'utf8'),
  };
}

async function openssl(...args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${(error as Error).message}\n${stderr}`);
  }
}
