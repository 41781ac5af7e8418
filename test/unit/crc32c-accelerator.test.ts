// The optional native CRC32C (src/runtime/node/crc32c.ts) and how src/protocol/crc32c.ts lets an
// accelerator take over: only after it agrees with the TypeScript implementation, only for inputs
// of at least ACCELERATED_MIN_BYTES, with the same (data, start, end, crc) contract.
import { afterEach, describe, expect, test } from 'vitest';
import { Producer } from '../../src/producer.js';
import {
  ACCELERATED_MIN_BYTES,
  crc32c,
  crc32cImplementation,
  crc32cTable,
  setCrc32cAccelerator,
  type Crc32cFunction,
} from '../../src/protocol/crc32c.js';
import { NATIVE_CRC32C_PACKAGE, installNativeCrc32c } from '../../src/runtime/node/crc32c.js';
import { nodeRuntime } from '../../src/runtime/node/index.js';
import { FakeCluster, TestClock } from '../helpers/fake-broker.js';

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

afterEach(() => {
  // Leave the process as the rest of the suite expects it: the native one if it loads.
  setCrc32cAccelerator(null);
  installNativeCrc32c();
});

describe('setCrc32cAccelerator', () => {
  test('an accelerator that disagrees with the TypeScript CRC32C is refused, and large inputs stay correct', () => {
    setCrc32cAccelerator(null);
    const wrong: Crc32cFunction = (data, start, end, crc) => crc32cTable(data, start, end, crc) ^ 1;
    expect(setCrc32cAccelerator(wrong, 'wrong')).toBe(false);
    expect(crc32cImplementation()).toBe('typescript');
    // Wrong only when continuing a checksum: the self-test continues one.
    const ignoresSeed: Crc32cFunction = (data, start, end) => crc32cTable(data, start, end, 0);
    expect(setCrc32cAccelerator(ignoresSeed, 'ignores-seed')).toBe(false);
    const throws: Crc32cFunction = () => {
      throw new Error('no binary');
    };
    expect(setCrc32cAccelerator(throws, 'throws')).toBe(false);
    const data = bytes(8192, 7);
    expect(crc32c(data)).toBe(crc32cTable(data));
  });

  test('an installed accelerator computes inputs of at least ACCELERATED_MIN_BYTES; shorter ones stay in TypeScript', () => {
    setCrc32cAccelerator(null);
    const calls: number[] = [];
    const counting: Crc32cFunction = (data, start, end, crc) => {
      calls.push(end - start);
      return crc32cTable(data, start, end, crc);
    };
    expect(setCrc32cAccelerator(counting, 'counting')).toBe(true);
    expect(crc32cImplementation()).toBe('counting');
    calls.length = 0;
    const data = bytes(3 * ACCELERATED_MIN_BYTES, 11);
    expect(crc32c(data, 5, 5 + ACCELERATED_MIN_BYTES - 1)).toBe(crc32cTable(data, 5, 5 + ACCELERATED_MIN_BYTES - 1));
    expect(calls).toEqual([]);
    expect(crc32c(data, 5, 5 + ACCELERATED_MIN_BYTES)).toBe(crc32cTable(data, 5, 5 + ACCELERATED_MIN_BYTES));
    expect(calls).toEqual([ACCELERATED_MIN_BYTES]);
  });
});

describe(`native CRC32C (${NATIVE_CRC32C_PACKAGE})`, () => {
  test('installs (the package is a devDependency here) and agrees with the TypeScript CRC32C on every length, offset and continuation', () => {
    setCrc32cAccelerator(null);
    expect(installNativeCrc32c()).toBe(true);
    expect(crc32cImplementation()).toBe(NATIVE_CRC32C_PACKAGE);
    expect(installNativeCrc32c()).toBe(true); // idempotent
    const data = bytes(70_000, 3);
    for (const [start, end] of [[0, 70_000], [1, 1025], [3, 4099], [21, 65_557], [0, 1024], [13, 13 + 16 * 1024 + 3]] as const) {
      const half = start + ((end - start) >> 1);
      expect(crc32c(data, start, end)).toBe(crc32cTable(data, start, end));
      // continued in two pieces, each over the threshold or not
      expect(crc32c(data, half, end, crc32c(data, start, half))).toBe(crc32cTable(data, start, end));
    }
    // a view that does not start at its buffer's first byte
    const view = data.subarray(101, 101 + 5000);
    expect(crc32c(view)).toBe(crc32cTable(view));
  });

  test("the Producer asks its runtime for the accelerator, except with codecOptions.implementation 'pure'", async () => {
    const clock = new TestClock();
    const cluster = new FakeCluster({ clock });
    for (const [codecOptions, expected] of [[undefined, 1], [{ implementation: 'pure' as const }, 0]] as const) {
      let asked = 0;
      const runtime = { ...nodeRuntime, name: 'fake', transport: () => cluster.transport, accelerateCrc32c: () => void asked++, ...(codecOptions ? { codecOptions } : {}) };
      const p = new Producer({ 'bootstrap.servers': cluster.bootstrap }, { clock, transport: cluster.transport, runtime });
      expect(asked).toBe(expected);
      await p.close({ timeoutMs: 0 });
    }
  });
});
