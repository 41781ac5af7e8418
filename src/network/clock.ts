/**
 * Time as the network layer sees it. Injected so tests drive connections with a fake clock:
 * `now()` is wall-clock milliseconds (only differences matter), timers are one-shot.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/** The real clock: `Date.now()` and the host's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};
