// The cosign public keys of one cycle: read once per Secret key (or operator file) and parsed,
// however many images name them. A missing Secret, key or file, or text that is no public key, is
// an error naming where the key was looked for; the key material itself is never shown.
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { CosignKeySource } from '../model';
import type { SecretReader } from '../registry/credentials';
import { readPublicKey } from './cosign';

export class PublicKeys {
  private readonly loaded = new Map<string, Promise<KeyObject>>();

  constructor(private readonly secrets: SecretReader) {}

  key(source: CosignKeySource): Promise<KeyObject> {
    const id = source.kind === 'secret' ? `secret|${source.namespace}|${source.secretName}|${source.key}` : `file|${source.path}`;
    let key = this.loaded.get(id);
    if (!key) {
      key = this.load(source);
      this.loaded.set(id, key);
    }
    return key;
  }

  private async load(source: CosignKeySource): Promise<KeyObject> {
    const where = describe(source);
    let pem: string | undefined;
    if (source.kind === 'secret') {
      let data: Record<string, string>;
      try {
        data = await this.secrets.readSecret(source.namespace, source.secretName);
      } catch (error) {
        throw new Error(`${where}: cannot read the secret: ${(error as Error).message}`);
      }
      pem = Object.hasOwn(data, source.key) ? data[source.key] : undefined;
      if (pem === undefined) throw new Error(`${where}: the secret has no key ${JSON.stringify(source.key)}`);
    } else {
      try {
        pem = await readFile(source.path, 'utf8');
      } catch (error) {
        throw new Error(`${where}: cannot read the file: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    }
    const parsed = readPublicKey(pem);
    if ('error' in parsed) throw new Error(`${where}: the value ${parsed.error}`);
    return parsed.key;
  }
}

function describe(source: CosignKeySource): string {
  if (source.kind === 'file') return `cosign public key file ${source.path} (IMAGE_UPDATER_COSIGN_PUBLIC_KEY_FILE)`;
  return `ImageUpdater ${source.imageUpdater} imagesVerification.cosignKey: secret ${source.namespace}/${source.secretName}, key ${JSON.stringify(source.key)}`;
}
