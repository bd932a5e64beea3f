// The registry answers one invocation shares: a tag list, digest, manifest, ECR token or ECR image
// list is asked for once per invocation, however many applications, aliases or clusters need it.
// Keys name the registry, repository and credentials, so answers only meet the callers they fit.
// A handler creates one per invocation; it is never kept across invocations.
export class RegistryWork {
  private readonly pending = new Map<string, Promise<unknown>>();

  once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let answer = this.pending.get(key) as Promise<T> | undefined;
    if (!answer) {
      answer = load();
      this.pending.set(key, answer);
    }
    return answer;
  }
}
