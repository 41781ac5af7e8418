import { describe, expect, test } from 'vitest';
import { BufferPool } from '../../src/accumulator/buffer-pool.js';
import { ManualClock } from '../../src/common/clock.js';
import { KafkaWireError } from '../../src/errors.js';
import { seededRandomInt } from '../../src/partitioner/builtin-partitioner.js';

/** Lets promise continuations run (no timers involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function isPromise<T>(x: T | Promise<T>): x is Promise<T> {
  return x instanceof Promise;
}

describe('BufferPool', () => {
  test('allocates synchronously while memory is available and recycles batch.size buffers', () => {
    const pool = new BufferPool(4096, 1024, { clock: new ManualClock() });
    const a = pool.allocate(1024, 1000);
    expect(a).toBeInstanceOf(Uint8Array);
    expect((a as Uint8Array).length).toBe(1024);
    expect(pool.availableMemory).toBe(3072);
    pool.deallocate(a as Uint8Array);
    expect(pool.availableMemory).toBe(4096);
    expect(pool.freeListSize).toBe(1);
    // The same buffer comes back: steady state allocates nothing.
    expect(pool.allocate(1024, 1000)).toBe(a);
    expect(pool.freeListSize).toBe(0);
  });

  test('other sizes are allocated fresh but accounted, and free-list buffers are released to make room', () => {
    const pool = new BufferPool(4096, 1024, { clock: new ManualClock() });
    const bufs = [0, 1, 2, 3].map(() => pool.allocate(1024, 1000) as Uint8Array);
    for (const b of bufs) pool.deallocate(b);
    expect(pool.freeListSize).toBe(4);
    expect(pool.unallocatedMemory).toBe(0);
    const big = pool.allocate(3000, 1000) as Uint8Array;
    expect(big.length).toBe(3000);
    expect(pool.freeListSize).toBe(1); // three pooled buffers were given up for it
    expect(pool.availableMemory).toBe(4096 - 3000);
    pool.deallocate(big);
    expect(pool.availableMemory).toBe(4096);
    expect(pool.unallocatedMemory).toBe(4096 - 1024);
  });

  test('a request larger than the whole pool fails at once with RECORD_TOO_LARGE', () => {
    const pool = new BufferPool(4096, 1024, { clock: new ManualClock() });
    expect(() => pool.allocate(4097, 1000)).toThrow(expect.objectContaining({ code: 'RECORD_TOO_LARGE' }));
    try {
      pool.allocate(5000, 1000);
    } catch (e) {
      expect((e as Error).message).toContain('buffer.memory');
    }
  });

  test('waiters are served FIFO: memory accumulates for the oldest, a later small request does not overtake', async () => {
    const clock = new ManualClock();
    const pool = new BufferPool(4096, 1024, { clock });
    const held = [0, 1, 2, 3].map(() => pool.allocate(1024, 1000) as Uint8Array);
    const order: string[] = [];
    const big = pool.allocate(2048, 5000);
    expect(isPromise(big)).toBe(true);
    void (big as Promise<Uint8Array>).then(() => order.push('big'));
    const small = pool.allocate(512, 5000);
    expect(isPromise(small)).toBe(true);
    void (small as Promise<Uint8Array>).then(() => order.push('small'));
    expect(pool.queued).toBe(2);

    pool.deallocate(held[0]!); // 1024 free: enough for `small`, but `big` is first and keeps it
    await settle();
    expect(order).toEqual([]);
    expect(pool.availableMemory).toBe(0);
    expect(pool.usedMemory).toBe(4096);

    // A new small request while waiters exist queues as well, even though it would fit later.
    const later = pool.allocate(100, 5000);
    expect(isPromise(later)).toBe(true);
    void (later as Promise<Uint8Array>).then(() => order.push('later'));

    pool.deallocate(held[1]!); // big complete (2048); nothing left
    await settle();
    expect(order).toEqual(['big']);
    pool.deallocate(held[2]!); // 1024: small (512) then later (100)
    await settle();
    expect(order).toEqual(['big', 'small', 'later']);
    expect(pool.queued).toBe(0);
    expect(pool.availableMemory).toBe(4096 - 1024 - 2048 - 512 - 100);
  });

  test('a waiter fails with TIMEOUT after max.block.ms and gives back what it had reserved', async () => {
    const clock = new ManualClock();
    const waits: number[] = [];
    const pool = new BufferPool(2048, 1024, { clock, onWaitTime: (ms) => waits.push(ms) });
    const a = pool.allocate(1024, 1000) as Uint8Array;
    pool.allocate(1024, 1000) as Uint8Array;
    const p = pool.allocate(2048, 500) as Promise<Uint8Array>;
    const q = pool.allocate(1024, 10_000) as Promise<Uint8Array>;
    let qDone = false;
    void q.then(() => (qDone = true));
    const failure = p.catch((e: unknown) => e);
    pool.deallocate(a); // p reserves these 1024 bytes
    expect(pool.availableMemory).toBe(0);
    clock.advance(499);
    await settle();
    expect(pool.queued).toBe(2);
    clock.advance(1);
    const err = (await failure) as KafkaWireError;
    expect(err).toBeInstanceOf(KafkaWireError);
    expect(err.code).toBe('TIMEOUT');
    expect(err.retriable).toBe(true); // Java: BufferExhaustedException extends TimeoutException (retriable)
    expect(err.message).toContain('max.block.ms');
    expect(err.message).toContain('buffer.memory');
    expect(err.message).toContain('500 ms');
    // The reserved 1024 bytes went to the next waiter.
    await settle();
    expect(qDone).toBe(true);
    expect(pool.queued).toBe(0);
    expect(pool.exhaustedTotal).toBe(1);
    expect(pool.waitTimeMsTotal).toBe(1000); // both waiters waited 500 ms
    expect(waits).toEqual([500, 500]);
  });

  test('max.block.ms of 0 fails synchronously when memory is short', () => {
    const pool = new BufferPool(1024, 1024, { clock: new ManualClock() });
    pool.allocate(1024, 0);
    expect(() => pool.allocate(10, 0)).toThrow(expect.objectContaining({ code: 'TIMEOUT' }));
  });

  test('close fails waiters with PRODUCER_CLOSED; later allocations throw; deallocation still works', async () => {
    const clock = new ManualClock();
    const pool = new BufferPool(1024, 1024, { clock });
    const a = pool.allocate(1024, 1000) as Uint8Array;
    const p = (pool.allocate(1024, 1000) as Promise<Uint8Array>).catch((e: unknown) => e);
    pool.close();
    expect(((await p) as KafkaWireError).code).toBe('PRODUCER_CLOSED');
    expect(() => pool.allocate(10, 1000)).toThrow(expect.objectContaining({ code: 'PRODUCER_CLOSED' }));
    pool.deallocate(a);
    expect(pool.availableMemory).toBe(1024);
    expect(clock.pendingTimers).toBe(0);
  });

  test('property: under random allocate/deallocate/timeouts, memory handed out never exceeds buffer.memory', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rnd = seededRandomInt(seed);
      const clock = new ManualClock();
      const total = 16 * 1024;
      const poolable = 1024;
      const pool = new BufferPool(total, poolable, { clock });
      const out: Uint8Array[] = [];
      let outstanding = 0;
      const check = () => {
        expect(outstanding).toBeLessThanOrEqual(total);
        expect(pool.usedMemory).toBeLessThanOrEqual(total);
        expect(pool.availableMemory).toBeGreaterThanOrEqual(0);
        // Handed out + reserved by the head waiter = used.
        expect(pool.usedMemory).toBeGreaterThanOrEqual(outstanding);
      };
      for (let step = 0; step < 400; step++) {
        const op = rnd() % 10;
        if (op < 5) {
          const size = rnd() % 3 === 0 ? poolable : 1 + (rnd() % (3 * poolable));
          const r = pool.allocate(size, 1 + (rnd() % 50));
          if (r instanceof Uint8Array) {
            out.push(r);
            outstanding += r.length;
          } else {
            r.then(
              (b) => {
                out.push(b);
                outstanding += b.length;
              },
              () => {},
            );
          }
        } else if (op < 9) {
          if (out.length > 0) {
            const b = out.splice(rnd() % out.length, 1)[0]!;
            outstanding -= b.length;
            pool.deallocate(b);
          }
        } else {
          clock.advance(rnd() % 20);
        }
        await settle();
        check();
      }
      for (const b of out.splice(0)) pool.deallocate(b);
      clock.advance(1000);
      await settle();
      for (const b of out.splice(0)) pool.deallocate(b);
      expect(pool.queued).toBe(0);
      expect(pool.availableMemory).toBe(total);
    }
  });
});
