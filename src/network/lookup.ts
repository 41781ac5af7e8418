/**
 * LookupLimiter: host-name lookups with a bound on how many run at once.
 *
 * Why: Node's dns.lookup is getaddrinfo on libuv's threadpool (4 threads by default, shared with
 * fs, crypto, zlib). getaddrinfo cannot be cancelled once running, so against a slow resolver a
 * producer reconnecting every reconnect.backoff.max.ms would pile lookups onto the pool and
 * starve the application's own threadpool work; and a lookup still running after close() holds
 * the event loop open until it returns. So: lookups of the same name share one promise (one per
 * name at a time), at most `max` run at once, queued ones start in order, and a queued lookup
 * whose signal aborts (the pool closed or the attempt was given up) never starts.
 */
import { NetworkError } from '../errors.js';
import type { ResolvedAddress, Resolver } from './transport.js';

interface Queued {
  readonly host: string;
  readonly start: () => void;
  readonly cancel: (error: Error) => void;
}

export class LookupLimiter {
  readonly #resolve: Resolver;
  readonly #max: number;
  #running = 0;
  readonly #queue: Queued[] = [];
  /** Lookups running or queued, by host name, with the number of callers still interested. */
  readonly #shared = new Map<string, { promise: Promise<readonly ResolvedAddress[]>; waiters: number; queued: Queued | undefined }>();

  constructor(resolve: Resolver, max: number) {
    this.#resolve = resolve;
    this.#max = Math.max(1, Math.floor(max));
  }

  /** Lookups running now (for tests and diagnostics). */
  get running(): number {
    return this.#running;
  }

  /** Lookups waiting for a slot. */
  get queued(): number {
    return this.#queue.length;
  }

  lookup(host: string, signal?: AbortSignal): Promise<readonly ResolvedAddress[]> {
    if (signal?.aborted) return Promise.reject(new NetworkError(`Lookup of ${host} aborted`));
    let entry = this.#shared.get(host);
    if (entry === undefined) {
      let queued: Queued | undefined;
      const promise = new Promise<readonly ResolvedAddress[]>((resolve, reject) => {
        const start = (): void => {
          if (this.#shared.get(host)?.queued === queued) this.#shared.get(host)!.queued = undefined;
          this.#running++;
          let p: Promise<readonly ResolvedAddress[]>;
          try {
            p = this.#resolve(host);
          } catch (error) {
            p = Promise.reject(error);
          }
          p.then(resolve, reject).finally(() => {
            this.#running--;
            if (this.#shared.get(host)?.promise === promise) this.#shared.delete(host);
            this.#next();
          });
        };
        queued = { host, start, cancel: reject };
      });
      entry = { promise, waiters: 0, queued };
      this.#shared.set(host, entry);
      this.#queue.push(queued!);
      this.#next();
    }
    const shared = entry;
    shared.waiters++;
    if (signal === undefined) return shared.promise;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        shared.waiters--;
        reject(new NetworkError(`Lookup of ${host} aborted`));
        // Nobody wants a lookup that has not started: drop it from the queue.
        if (shared.waiters === 0 && shared.queued !== undefined) {
          const index = this.#queue.indexOf(shared.queued);
          if (index >= 0) this.#queue.splice(index, 1);
          if (this.#shared.get(host) === shared) this.#shared.delete(host);
          shared.queued.cancel(new NetworkError(`Lookup of ${host} aborted`));
          shared.promise.catch(() => {});
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
      shared.promise.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          shared.waiters--;
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          shared.waiters--;
          reject(e);
        },
      );
    });
  }

  #next(): void {
    while (this.#running < this.#max && this.#queue.length > 0) this.#queue.shift()!.start();
  }
}
