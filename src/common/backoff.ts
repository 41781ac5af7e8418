/**
 * Exponential backoff with jitter, with the semantics of Kafka's Java `ExponentialBackoff`:
 *
 *   backoff(attempts) = min(max, initial * multiplier ^ min(attempts, expMax) * random(1 - jitter, 1 + jitter))
 *
 * where expMax = log(max / initial) / log(multiplier), so the pre-jitter term stops growing at
 * `max`, and jitter never pushes the result above `max`. If `max <= initial` the backoff is the
 * constant `max` (no jitter). Used for retry.backoff.ms / retry.backoff.max.ms (the accumulator), reconnect.backoff.ms /
 * reconnect.backoff.max.ms and
 * socket.connection.setup.timeout.ms / .max.ms (multiplier 2, jitter 0.2 for both, as Java).
 */
export class ExponentialBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
  readonly jitter: number;
  readonly #expMax: number;
  readonly #random: () => number;

  constructor(initialMs: number, multiplier: number, maxMs: number, jitter: number, random: () => number = Math.random) {
    if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`jitter must be between 0 and 1, got ${jitter}`);
    if (!(multiplier > 1)) throw new RangeError(`multiplier must be > 1, got ${multiplier}`);
    this.initialMs = Math.min(initialMs, maxMs);
    this.maxMs = maxMs;
    this.multiplier = multiplier;
    this.jitter = jitter;
    this.#random = random;
    this.#expMax = maxMs > this.initialMs ? Math.log(maxMs / Math.max(this.initialMs, 1)) / Math.log(multiplier) : 0;
  }

  /** The delay after `attempts` failures (0 = the first failure). Integer milliseconds. */
  backoff(attempts: number): number {
    if (this.#expMax === 0) return this.initialMs;
    const term = this.initialMs * Math.pow(this.multiplier, Math.min(attempts, this.#expMax));
    const factor = this.jitter > 0 ? 1 - this.jitter + 2 * this.jitter * this.#random() : 1;
    return Math.min(Math.floor(term * factor), this.maxMs);
  }
}
