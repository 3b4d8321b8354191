/**
 * Identical reads in flight share one call to the Temporal server (single flight): 50 clients
 * polling the same thing cost one call per round, not 50, and each gets an answer no older than
 * the call it joined. Nothing is kept once the call settles, so there is no cache to invalidate.
 */
export class SharedCalls<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  /** The call in flight for `key`, or a new one from `call`. */
  run(key: string, call: () => Promise<T>): Promise<T> {
    let shared = this.inFlight.get(key);
    if (!shared) {
      shared = call().finally(() => {
        if (this.inFlight.get(key) === shared) this.inFlight.delete(key);
      });
      this.inFlight.set(key, shared);
    }
    return shared;
  }

  /** Later callers of `key` make a call of their own (after a write that the one in flight may predate). */
  forget(key: string): void {
    this.inFlight.delete(key);
  }
}
