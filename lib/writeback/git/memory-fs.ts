// The few file-system calls isomorphic-git makes, in memory: a bare repository of one shallow
// commit is a packfile, its index and a handful of small files, and isomorphic-git reads the whole
// packfile into memory anyway. In memory, a commit costs no disk round trips, nothing is left in
// /tmp when a run is cut short, and two runs in one warm container never share anything.

interface FileEntry {
  kind: 'file';
  data: Uint8Array;
  mtimeMs: number;
}

interface DirectoryEntry {
  kind: 'directory';
  mtimeMs: number;
}

type Entry = FileEntry | DirectoryEntry;

function fsError(code: string, path: string): NodeJS.ErrnoException {
  const error = new Error(`${code}: ${path}`) as NodeJS.ErrnoException;
  error.code = code;
  error.path = path;
  return error;
}

function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

function parent(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}

class Stats {
  readonly mode: number;
  readonly size: number;
  readonly ino = 0;
  readonly uid = 0;
  readonly gid = 0;
  readonly dev = 0;
  readonly ctimeMs: number;
  readonly mtimeMs: number;

  constructor(private readonly entry: Entry) {
    this.mode = entry.kind === 'file' ? 0o100644 : 0o040755;
    this.size = entry.kind === 'file' ? entry.data.byteLength : 0;
    this.ctimeMs = entry.mtimeMs;
    this.mtimeMs = entry.mtimeMs;
  }

  isFile(): boolean {
    return this.entry.kind === 'file';
  }

  isDirectory(): boolean {
    return this.entry.kind === 'directory';
  }

  isSymbolicLink(): boolean {
    return false;
  }
}

/** An isomorphic-git `fs` (promise API) over a map of paths; it holds the bytes of one repository. */
export class MemoryFs {
  private readonly entries = new Map<string, Entry>([['/', { kind: 'directory', mtimeMs: Date.now() }]]);
  readonly promises = {
    readFile: async (path: string, options?: { encoding?: string } | string): Promise<Uint8Array | string> => {
      const entry = this.entries.get(normalize(path));
      if (!entry) throw fsError('ENOENT', path);
      if (entry.kind !== 'file') throw fsError('EISDIR', path);
      const encoding = typeof options === 'string' ? options : options?.encoding;
      return encoding ? Buffer.from(entry.data).toString(encoding as BufferEncoding) : entry.data;
    },
    writeFile: async (path: string, data: Uint8Array | string): Promise<void> => {
      const key = normalize(path);
      const directory = this.entries.get(parent(key));
      if (!directory) throw fsError('ENOENT', path);
      if (directory.kind !== 'directory') throw fsError('ENOTDIR', path);
      if (this.entries.get(key)?.kind === 'directory') throw fsError('EISDIR', path);
      this.entries.set(key, { kind: 'file', data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data, mtimeMs: Date.now() });
    },
    unlink: async (path: string): Promise<void> => {
      const key = normalize(path);
      if (this.entries.get(key)?.kind !== 'file') throw fsError('ENOENT', path);
      this.entries.delete(key);
    },
    readdir: async (path: string): Promise<string[]> => {
      const key = normalize(path);
      const entry = this.entries.get(key);
      if (!entry) throw fsError('ENOENT', path);
      if (entry.kind !== 'directory') throw fsError('ENOTDIR', path);
      const prefix = key === '/' ? '/' : `${key}/`;
      const names: string[] = [];
      for (const candidate of this.entries.keys()) {
        if (candidate !== key && candidate.startsWith(prefix) && !candidate.slice(prefix.length).includes('/')) names.push(candidate.slice(prefix.length));
      }
      return names;
    },
    mkdir: async (path: string): Promise<void> => {
      const key = normalize(path);
      if (this.entries.has(key)) throw fsError('EEXIST', path);
      const directory = this.entries.get(parent(key));
      if (!directory) throw fsError('ENOENT', path);
      if (directory.kind !== 'directory') throw fsError('ENOTDIR', path);
      this.entries.set(key, { kind: 'directory', mtimeMs: Date.now() });
    },
    rmdir: async (path: string): Promise<void> => {
      const key = normalize(path);
      if (this.entries.get(key)?.kind !== 'directory') throw fsError('ENOENT', path);
      if ((await this.promises.readdir(key)).length > 0) throw fsError('ENOTEMPTY', path);
      this.entries.delete(key);
    },
    stat: async (path: string): Promise<Stats> => {
      const entry = this.entries.get(normalize(path));
      if (!entry) throw fsError('ENOENT', path);
      return new Stats(entry);
    },
    lstat: async (path: string): Promise<Stats> => this.promises.stat(path),
    readlink: async (path: string): Promise<string> => {
      throw fsError('EINVAL', path);
    },
    symlink: async (_target: string, path: string): Promise<void> => {
      throw fsError('EPERM', path);
    },
    chmod: async (): Promise<void> => undefined,
  };
}
