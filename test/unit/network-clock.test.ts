/**
 * The Clock (src/clock.ts): the one place timer delays are clamped, and the monotonic time the
 * network layer measures intervals with. A fake TimerHost emulates a JavaScript host's int32
 * timer overflow (a delay above 2^31-1 ms fires after 1 ms, as Node's setTimeout does).
 */
import { describe, expect, test } from 'vitest';
import { createClock, MAX_TIMER_DELAY_MS, WALL_CLOCK_RESYNC_MS, type Clock, type TimerHost } from '../../src/common/clock.js';
import { BrokerConnection } from '../../src/network/connection.js';
import type { Socketish } from '../../src/network/transport.js';

/** A host whose timers behave like Node's: delays > 2^31-1 are replaced by 1 ms. */
class OverflowingHost implements TimerHost {
  mono = 5_000;
  wall = 1_700_000_000_000;
  readonly delays: number[] = [];
  #timers = new Map<number, { at: number; fn: () => void }>();
  #id = 0;
  monotonicMs(): number {
    return this.mono;
  }
  wallClockMs(): number {
    return this.wall;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    this.delays.push(ms);
    const effective = ms > MAX_TIMER_DELAY_MS ? 1 : ms; // what Node does (TimeoutOverflowWarning)
    const id = ++this.#id;
    this.#timers.set(id, { at: this.mono + effective, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  get pending(): number {
    return this.#timers.size;
  }
  /** Advances both clocks, firing due timers in order. */
  advance(ms: number): void {
    const end = this.mono + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.#timers) if (e[1].at <= end && (next === undefined || e[1].at < next[1].at)) next = e;
      if (next === undefined) break;
      this.#timers.delete(next[0]);
      this.wall += next[1].at - this.mono;
      this.mono = next[1].at;
      next[1].fn();
    }
    this.wall += end - this.mono;
    this.mono = end;
  }
}

describe('Clock timers', () => {
  test('a delay above 2^31-1 ms (max.block.ms=3000000000) fires at its deadline, not after ~1 ms', () => {
    const host = new OverflowingHost();
    const clock = createClock(host);
    let fired = 0;
    clock.setTimer(() => fired++, 3_000_000_000);
    expect(Math.max(...host.delays)).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
    host.advance(1);
    expect(fired).toBe(0);
    host.advance(MAX_TIMER_DELAY_MS); // first link of the chain
    expect(fired).toBe(0);
    host.advance(3_000_000_000 - MAX_TIMER_DELAY_MS - 2);
    expect(fired).toBe(0);
    host.advance(1);
    expect(fired).toBe(1);
    expect(host.pending).toBe(0);
  });

  test('a chained timer can be cancelled at any link; Infinity arms nothing', () => {
    const host = new OverflowingHost();
    const clock = createClock(host);
    let fired = 0;
    const handle = clock.setTimer(() => fired++, 5_000_000_000);
    host.advance(MAX_TIMER_DELAY_MS + 10); // now on the second link
    expect(host.pending).toBe(1);
    handle.cancel();
    expect(host.pending).toBe(0);
    host.advance(10_000_000_000);
    expect(fired).toBe(0);
    clock.setTimer(() => fired++, Infinity);
    expect(host.pending).toBe(0);
    clock.setTimer(() => fired++, Number.NaN); // treated as 0, as a negative delay is
    host.advance(0);
    expect(fired).toBe(1);
  });

  test('now() is monotonic and anchored to the epoch; wallClockMs() follows the wall clock', () => {
    const host = new OverflowingHost();
    const clock = createClock(host);
    expect(clock.now()).toBe(host.wall);
    host.wall -= 3_600_000; // the wall clock steps back an hour
    host.mono += 10;
    expect(clock.now()).toBe(1_700_000_000_010);
    expect(clock.wallClockMs!()).toBe(1_700_000_000_000 - 3_600_000);
  });
});

describe('Clock.wallClockAt (record timestamps without a wall-clock read per send)', () => {
  test('follows the wall clock: re-read once the monotonic clock moved more than WALL_CLOCK_RESYNC_MS, and on a value from before the last read', () => {
    const host = new OverflowingHost();
    let reads = 0;
    const wallClockMs = host.wallClockMs.bind(host);
    host.wallClockMs = () => {
      reads++;
      return wallClockMs();
    };
    const clock = createClock(host);
    reads = 0;
    host.mono += 0.25;
    host.wall += 0.25;
    const t0 = clock.now();
    expect(clock.wallClockAt!(t0)).toBe(Math.floor(host.wall));
    expect(reads).toBe(1);
    // Within WALL_CLOCK_RESYNC_MS: derived from the monotonic clock, no read; whole ms.
    host.mono += 0.5;
    host.wall += 0.5;
    expect(clock.wallClockAt!(clock.now())).toBe(Math.floor(host.wall));
    expect(reads).toBe(1);
    // The wall clock steps back an hour: seen by the first call more than 1 ms later.
    host.wall -= 3_600_000;
    host.mono += WALL_CLOCK_RESYNC_MS / 2;
    host.wall += WALL_CLOCK_RESYNC_MS / 2;
    expect(clock.wallClockAt!(clock.now())).toBe(Math.floor(host.wall + 3_600_000));
    host.mono += WALL_CLOCK_RESYNC_MS;
    host.wall += WALL_CLOCK_RESYNC_MS;
    expect(clock.wallClockAt!(clock.now())).toBe(Math.floor(host.wall));
    expect(reads).toBe(2);
    // A monotonic value from before the last read (a caller holding an older now()) re-reads.
    clock.wallClockAt!(t0);
    expect(reads).toBe(3);
  });

  // 1 ms from flooring (Date.now() is floored when read; the derived value is floored again),
  // 1 more when the host adjusts its wall clock between two reads (seen on this VM).
  test('against the real clocks: never above Date.now(), at most 2 ms below it', () => {
    const clock = createClock({ monotonicMs: () => performance.now(), wallClockMs: () => Date.now(), setTimeout, clearTimeout: (h) => clearTimeout(h as never) });
    for (let i = 0; i < 20_000; i++) {
      const before = Date.now();
      const derived = clock.wallClockAt!(clock.now());
      const after = Date.now();
      expect(derived).toBeGreaterThanOrEqual(before - 2);
      expect(derived).toBeLessThanOrEqual(after);
    }
  });
});

describe('request.timeout.ms under a wall-clock step', () => {
  function stalledConnection(clock: Clock) {
    const socket: Socketish = { write: () => true, onData() {}, onClose() {}, onDrain() {}, close() {}, destroy() {} };
    const conn = new BrokerConnection(socket, { nodeId: 1, host: 'b', port: 1, clock, requestTimeoutMs: 1000 });
    let error: Error | undefined;
    conn.request({ buffer: new Uint8Array(12) }).catch((e: Error) => (error = e));
    return { conn, failed: () => error };
  }

  test('a backward wall-clock step does not delay request timeout detection (deadlines use the monotonic now())', async () => {
    const host = new OverflowingHost();
    const { failed } = stalledConnection(createClock(host));
    host.wall -= 3_600_000; // NTP steps the wall clock back an hour
    host.advance(1000);
    await Promise.resolve();
    expect(failed()?.name).toBe('RequestTimeoutError');
  });

  test('(the old wall-clock now() would have waited out the step)', async () => {
    const host = new OverflowingHost();
    const wallClock: Clock = { ...createClock(host), now: () => host.wallClockMs() };
    const { failed } = stalledConnection(wallClock);
    host.wall -= 3_600_000;
    host.advance(1000);
    await Promise.resolve();
    expect(failed()).toBeUndefined();
    host.advance(3_600_000);
    await Promise.resolve();
    expect(failed()?.name).toBe('RequestTimeoutError');
  });
});
