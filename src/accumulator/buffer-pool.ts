/**
 * BufferPool: the memory behind unsent batches, kept under `buffer.memory` (Java's
 * `org.apache.kafka.clients.producer.internals.BufferPool`, without threads).
 *
 * Ownership: the pool owns the accounting (`nonPooledAvailable` bytes plus a free list of
 * `poolableSize` (= batch.size) buffers) and the FIFO queue of waiting allocations. A buffer it
 * hands out belongs to the caller (a ProducerBatch) until it is given back with `deallocate`.
 *
 * - Buffers of exactly `poolableSize` bytes are recycled through the free list, so a producer in
 *   steady state allocates no batch memory at all. Other sizes are allocated fresh (and counted).
 * - `allocate` is synchronous when the memory is there (the hot path: no promise). Otherwise the
 *   request waits, in FIFO order, up to `maxBlockMs`: while anybody waits, later requests queue
 *   behind them even if they are small enough to fit (no overtaking), and memory given back is
 *   handed to the oldest waiter first, which accumulates it until its request is complete (so a
 *   large request cannot starve).
 * - Waiting longer than `maxBlockMs` fails with code TIMEOUT (Java's BufferExhaustedException,
 *   a TimeoutException, which is a RetriableException: the send may succeed later, when memory
 *   is free; the producer does not retry it by itself). A request larger than the whole pool
 *   fails at once with RECORD_TOO_LARGE. `close()` fails the waiters with PRODUCER_CLOSED.
 */
import type { Clock, TimerHandle } from '../common/clock.js';
import { SystemClock } from '../common/clock.js';
import { KafkaWireError } from '../errors.js';

export interface BufferPoolOptions {
  clock?: Clock;
  /** Called with the milliseconds an allocation spent waiting (feeds bufferpool-wait-ratio). */
  onWaitTime?: (ms: number) => void;
  /** Called when an allocation failed because max.block.ms elapsed (feeds buffer-exhausted-rate). */
  onExhausted?: () => void;
}

const WAITING = 0;
const DONE = 1;
const CANCELLED = 2;

/** One queued allocation. Only the waiter at the head of the queue accumulates memory. */
interface Waiter {
  readonly size: number;
  readonly maxBlockMs: number;
  readonly startMs: number;
  accumulated: number;
  state: number;
  timer: TimerHandle | null;
  resolve: (buffer: Uint8Array) => void;
  reject: (error: Error) => void;
}

export class BufferPool {
  readonly totalMemory: number;
  readonly poolableSize: number;
  private readonly clock: Clock;
  private readonly onWaitTime: ((ms: number) => void) | undefined;
  private readonly onExhausted: (() => void) | undefined;

  /** Recycled buffers of exactly `poolableSize` bytes. */
  private readonly free: Uint8Array[] = [];
  /** Bytes neither handed out, nor in the free list, nor reserved by the head waiter. */
  private nonPooledAvailable: number;
  /** FIFO of waiters: `waiters[waitersHead..]`; cancelled ones are skipped when they reach the head. */
  private waiters: Waiter[] = [];
  private waitersHead = 0;
  private liveWaiters = 0;
  private closed = false;

  /** Cumulative milliseconds allocations spent waiting (bufferpool-wait-time-total). */
  waitTimeMsTotal = 0;
  /** Number of allocations that failed after max.block.ms (buffer-exhausted-total). */
  exhaustedTotal = 0;

  constructor(totalMemory: number, poolableSize: number, options: BufferPoolOptions = {}) {
    if (!Number.isSafeInteger(totalMemory) || totalMemory < 0) throw new RangeError(`buffer.memory must be a non-negative integer, got ${totalMemory}`);
    if (!Number.isSafeInteger(poolableSize) || poolableSize < 1) throw new RangeError(`poolable size must be a positive integer, got ${poolableSize}`);
    this.totalMemory = totalMemory;
    this.poolableSize = poolableSize;
    this.nonPooledAvailable = totalMemory;
    this.clock = options.clock ?? SystemClock;
    this.onWaitTime = options.onWaitTime;
    this.onExhausted = options.onExhausted;
  }

  /**
   * A buffer of `size` bytes: returned directly when memory is available, otherwise a promise
   * that resolves when it is (FIFO), or rejects with TIMEOUT after `maxBlockMs` (at once when
   * `maxBlockMs <= 0`) or PRODUCER_CLOSED when the pool is closed meanwhile. Throws
   * RECORD_TOO_LARGE when `size` exceeds the whole pool, PRODUCER_CLOSED when closed.
   */
  allocate(size: number, maxBlockMs: number): Uint8Array | Promise<Uint8Array> {
    if (size > this.totalMemory) {
      throw new KafkaWireError(
        'RECORD_TOO_LARGE',
        `Attempt to allocate ${size} bytes, but there is a hard limit of ${this.totalMemory} bytes (buffer.memory) on memory allocations.`,
      );
    }
    if (this.closed) throw new KafkaWireError('PRODUCER_CLOSED', 'Producer closed while allocating memory');
    if (this.liveWaiters === 0) {
      if (size === this.poolableSize && this.free.length > 0) return this.free.pop()!;
      if (this.nonPooledAvailable + this.free.length * this.poolableSize >= size) {
        this.freeUp(size);
        this.nonPooledAvailable -= size;
        return new Uint8Array(size);
      }
    }
    if (!(maxBlockMs > 0)) {
      this.exhaustedTotal++;
      this.onExhausted?.();
      throw this.exhaustedError(size, maxBlockMs);
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const waiter: Waiter = {
        size,
        maxBlockMs,
        startMs: this.clock.now(),
        accumulated: 0,
        state: WAITING,
        timer: null,
        resolve,
        reject,
      };
      this.waiters.push(waiter);
      this.liveWaiters++;
      waiter.timer = this.clock.setTimer(() => this.timeOut(waiter), maxBlockMs);
      this.serveWaiters();
    });
  }

  /**
   * Gives a buffer back. `size` is the accounted size (defaults to the buffer's length); a
   * buffer of exactly the poolable size goes to the free list for reuse, any other size just
   * returns its bytes to the unallocated memory.
   */
  deallocate(buffer: Uint8Array, size: number = buffer.length): void {
    if (size === this.poolableSize && buffer.length === this.poolableSize) this.free.push(buffer);
    else this.nonPooledAvailable += size;
    if (this.liveWaiters > 0) this.serveWaiters();
  }

  /**
   * Returns `size` accounted bytes without handing the buffer back: for a buffer that may still
   * be referenced elsewhere (e.g. a batch aborted while its request is being written), which
   * must not be reused. Java's KAFKA-19012 fix donates a fresh buffer instead; same accounting.
   */
  release(size: number): void {
    this.nonPooledAvailable += size;
    if (this.liveWaiters > 0) this.serveWaiters();
  }

  /** Memory not handed out: unallocated plus the free list (buffer-available-bytes). */
  get availableMemory(): number {
    return this.nonPooledAvailable + this.free.length * this.poolableSize;
  }

  /** Memory neither handed out nor in the free list. */
  get unallocatedMemory(): number {
    return this.nonPooledAvailable;
  }

  /** Number of allocations waiting for memory (Java's `queued()`, the waiting-threads metric). */
  get queued(): number {
    return this.liveWaiters;
  }

  /** Buffers in the free list. */
  get freeListSize(): number {
    return this.free.length;
  }

  /**
   * Bytes accounted as in use: handed out plus reserved by the waiter at the head of the queue.
   * Always <= totalMemory.
   */
  get usedMemory(): number {
    return this.totalMemory - this.availableMemory;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Fails every waiting allocation with PRODUCER_CLOSED; later allocations throw. Deallocation still works. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const now = this.clock.now();
    for (let i = this.waitersHead; i < this.waiters.length; i++) {
      const w = this.waiters[i]!;
      if (w.state !== WAITING) continue;
      this.finishWaiter(w, CANCELLED, now);
      this.nonPooledAvailable += w.accumulated;
      w.accumulated = 0;
      w.reject(new KafkaWireError('PRODUCER_CLOSED', 'Producer closed while allocating memory'));
    }
    this.waiters = [];
    this.waitersHead = 0;
  }

  /** Releases free-list buffers into the unallocated memory until `size` bytes are there (or the list is empty). */
  private freeUp(size: number): void {
    while (this.nonPooledAvailable < size && this.free.length > 0) {
      this.free.pop();
      this.nonPooledAvailable += this.poolableSize;
    }
  }

  /** Hands available memory to the oldest waiters, completing as many as possible, in order. */
  private serveWaiters(): void {
    while (this.waitersHead < this.waiters.length) {
      const w = this.waiters[this.waitersHead]!;
      if (w.state !== WAITING) {
        this.popWaiter();
        continue;
      }
      let buffer: Uint8Array | null = null;
      if (w.accumulated === 0 && w.size === this.poolableSize && this.free.length > 0) {
        buffer = this.free.pop()!;
      } else {
        const needed = w.size - w.accumulated;
        this.freeUp(needed);
        const got = Math.min(needed, this.nonPooledAvailable);
        this.nonPooledAvailable -= got;
        w.accumulated += got;
        if (w.accumulated < w.size) return; // head keeps what it got and waits for more
        buffer = new Uint8Array(w.size);
      }
      this.popWaiter();
      this.finishWaiter(w, DONE, this.clock.now());
      w.resolve(buffer);
    }
  }

  private popWaiter(): void {
    this.waiters[this.waitersHead++] = undefined as unknown as Waiter;
    if (this.waitersHead === this.waiters.length) {
      this.waiters.length = 0;
      this.waitersHead = 0;
    } else if (this.waitersHead > 1024 && this.waitersHead * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.waitersHead);
      this.waitersHead = 0;
    }
  }

  private finishWaiter(w: Waiter, state: number, now: number): void {
    w.state = state;
    this.liveWaiters--;
    w.timer?.cancel();
    w.timer = null;
    const waited = Math.max(0, now - w.startMs);
    this.waitTimeMsTotal += waited;
    this.onWaitTime?.(waited);
  }

  private timeOut(w: Waiter): void {
    if (w.state !== WAITING) return;
    this.finishWaiter(w, CANCELLED, this.clock.now());
    this.exhaustedTotal++;
    this.onExhausted?.();
    // Whatever the (head) waiter had reserved goes back, and the next waiters may now proceed.
    this.nonPooledAvailable += w.accumulated;
    w.accumulated = 0;
    w.reject(this.exhaustedError(w.size, w.maxBlockMs));
    if (this.liveWaiters > 0) this.serveWaiters();
    else {
      this.waiters.length = 0;
      this.waitersHead = 0;
    }
  }

  private exhaustedError(size: number, maxBlockMs: number): KafkaWireError {
    return new KafkaWireError(
      'TIMEOUT',
      `Failed to allocate ${size} bytes within the configured max blocking time ${maxBlockMs} ms (max.block.ms). ` +
        `Total memory: ${this.totalMemory} bytes (buffer.memory). Available memory: ${this.availableMemory} bytes. ` +
        `Poolable size: ${this.poolableSize} bytes (batch.size).`,
      { retriable: true },
    );
  }
}
