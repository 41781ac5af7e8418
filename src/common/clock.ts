/**
 * Time and timers, injected everywhere so the accumulator and sender logic run under a fake
 * clock in unit tests (no sleeps). `SystemClock` is the real one.
 *
 * Two kinds of time, as Java's `Time` (milliseconds() for timestamps, nanoseconds() for
 * intervals), but with the split made where it matters:
 * - `now()` is MONOTONIC: deadlines, backoff, idle time, linger, metric windows. A wall-clock
 *   step (NTP, an operator, a VM resume) must not move a request.timeout.ms deadline. It is
 *   anchored to the epoch when the process started, so values look like epoch ms and the two
 *   clocks agree until the wall clock steps.
 * - `wallClockMs()` is the wall clock, for record timestamps (CreateTime) only.
 *
 * Timers: `setTimer` is the one place delays are clamped. JavaScript hosts store a timer delay
 * as an int32: anything above 2^31-1 ms (~24.8 days) fires after ~1 ms. `createClock` chains
 * such timers in steps of at most 2^31-1 ms until the deadline is reached, and treats a delay of
 * Infinity as "never" (no timer at all, so nothing keeps the process alive).
 */
export interface TimerHandle {
  /** Stops the timer; calling it twice is harmless. */
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds (may be fractional), anchored near the epoch. For intervals and deadlines. */
  now(): number;
  /**
   * Wall-clock milliseconds since the epoch, for record timestamps. Optional for test clocks:
   * callers fall back to `now()`.
   */
  wallClockMs?(): number;
  /**
   * The wall clock at `nowMs`, a value now() just returned, in whole ms: what wallClockMs() would
   * say, without reading the wall clock on every call (send() needs both clocks per record, and
   * each read costs ~45 ns in Node 20). Optional: callers fall back to wallClockMs().
   */
  wallClockAt?(nowMs: number): number;
  /**
   * Runs `fn` after `ms` milliseconds (clamped to >= 0; Infinity = never; delays above 2^31-1
   * are honoured, not truncated). Timers must never keep a closed producer's process alive.
   */
  setTimer(fn: () => void, ms: number): TimerHandle;
}

/** The largest delay a JavaScript host timer takes without overflowing (int32). */
export const MAX_TIMER_DELAY_MS = 0x7fffffff;

/** What `createClock` needs from the host: its time sources and raw timers. */
export interface TimerHost {
  /** Monotonic ms (any origin). */
  monotonicMs(): number;
  /** Wall-clock ms since the epoch. */
  wallClockMs(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const NEVER: TimerHandle = { cancel() {} };

/** How stale Clock.wallClockAt's offset from the monotonic clock may get (monotonic ms). */
export const WALL_CLOCK_RESYNC_MS = 1;

/** A Clock over `host`: monotonic now() anchored to the epoch, clamped and chained timers. */
export function createClock(host: TimerHost): Clock {
  const origin = host.wallClockMs() - host.monotonicMs();
  const now = (): number => origin + host.monotonicMs();
  // wallClockAt: the wall clock's offset from now(), re-read once the monotonic clock has moved
  // more than WALL_CLOCK_RESYNC_MS since the last read (or went back: a value from before it).
  // So a wall-clock step shows within that time, and a derived timestamp is Date.now() or at
  // most 1 ms below it (Date.now() itself is floored), 2 when the host slews its wall clock.
  let wallOffset = 0;
  let syncedAt = -Infinity;
  return {
    now,
    wallClockMs: () => host.wallClockMs(),
    wallClockAt(nowMs) {
      if (nowMs - syncedAt > WALL_CLOCK_RESYNC_MS || nowMs < syncedAt) {
        wallOffset = host.wallClockMs() - nowMs;
        syncedAt = nowMs;
      }
      return Math.floor(nowMs + wallOffset);
    },
    setTimer(fn, ms) {
      if (ms === Infinity) return NEVER;
      const delay = ms > 0 ? ms : 0; // also NaN -> 0
      if (delay <= MAX_TIMER_DELAY_MS) {
        const t = host.setTimeout(fn, delay);
        return { cancel: () => host.clearTimeout(t) };
      }
      // Longer than a host timer can hold: wake up every 2^31-1 ms until the deadline.
      const deadline = now() + delay;
      let current: unknown;
      let cancelled = false;
      const step = (): void => {
        if (cancelled) return;
        const left = deadline - now();
        if (left <= 0) {
          fn();
          return;
        }
        current = host.setTimeout(step, Math.min(left, MAX_TIMER_DELAY_MS));
      };
      step();
      return {
        cancel: () => {
          cancelled = true;
          host.clearTimeout(current);
        },
      };
    },
  };
}

/** The global host: performance.now() (monotonic in Node, Bun, Deno, browsers, workers) and Date.now(). */
const globalHost: TimerHost = {
  monotonicMs: typeof performance !== 'undefined' && typeof performance.now === 'function' ? () => performance.now() : () => Date.now(),
  wallClockMs: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export const SystemClock: Clock = createClock(globalHost);

/** A manually advanced clock for tests: timers fire in deadline order inside `advance`. */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  /** Offset of the wall clock from `now()`: tests step it with `stepWallClock`. */
  private wallOffset = 0;

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  wallClockMs(): number {
    return this.current + this.wallOffset;
  }

  /** Steps the wall clock (not the monotonic one) by `ms`, as NTP or an operator would. */
  stepWallClock(ms: number): void {
    this.wallOffset += ms;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    if (ms === Infinity) return NEVER;
    const id = ++this.seq;
    this.timers.set(id, { at: this.current + (ms > 0 ? ms : 0), fn });
    return { cancel: () => void this.timers.delete(id) };
  }

  /** Moves time forward by `ms`, firing due timers in order (timers they create included). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let nextId = -1;
      let nextAt = Infinity;
      for (const [id, t] of this.timers) if (t.at <= target && t.at < nextAt) [nextId, nextAt] = [id, t.at];
      if (nextId < 0) break;
      const t = this.timers.get(nextId)!;
      this.timers.delete(nextId);
      this.current = Math.max(this.current, t.at);
      t.fn();
    }
    this.current = target;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }
}
