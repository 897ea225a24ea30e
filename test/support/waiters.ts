/**
 * What a test waits for, checked again at every change it could follow: a line logged, a command
 * sent, a process gone. Tests wait for the event, never for a span of wall time; the timeout only
 * turns a wait that will never end into a failure that says what was seen.
 */
export class Waiters {
  readonly #checks = new Set<() => void>();

  /** Something changed: every wait checks again. */
  notify(): void {
    for (const check of [...this.#checks]) check();
  }

  /**
   * Resolves with `found()` once it is defined. Rejects with `failure()` after `timeoutMs`, or at
   * once when `hopeless()` says it can no longer come (the process it waits on has exited).
   */
  until<T>(
    found: () => T | undefined,
    timeoutMs: number,
    failure: (cause: 'timeout' | 'hopeless') => string,
    hopeless: () => boolean = () => false,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.#checks.delete(check);
      };
      const check = () => {
        const value = found();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (hopeless()) {
          done();
          reject(new Error(failure('hopeless')));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(failure('timeout')));
      }, timeoutMs);
      this.#checks.add(check);
      check();
    });
  }
}
