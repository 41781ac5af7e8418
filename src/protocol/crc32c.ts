/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of RecordBatch v2.
 *
 * Table-driven "slicing-by-16": sixteen 256-entry tables let the main loop consume 16 bytes
 * per iteration with independent table lookups instead of one byte at a time. Measured against
 * the `crc-32` package's crc32c in bench/crc32c.mjs (the numbers are in docs/ARCHITECTURE.md);
 * this implementation was kept because it is at least as fast and needs no dependency.
 *
 * The batch CRC is computed once per sealed batch (over attributes..end), never per record.
 *
 * An accelerator (a native CRC32C, e.g. the SIMD one of the optional `@node-rs/crc32` package that
 * Node's runtime installs when it is there: src/runtime/node/crc32c.ts) can take over inputs of
 * at least {@link ACCELERATED_MIN_BYTES}; below that a native call costs more than it saves.
 * It is checked against this implementation before it is used (see setCrc32cAccelerator).
 */

const POLY = 0x82f63b78;
const SLICES = 16;

/** TABLES[k * 256 + b]: the CRC contribution of byte b positioned k bytes before the end of a 16-byte block. */
const TABLES: Int32Array = (() => {
  const t = new Int32Array(256 * SLICES);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < SLICES; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// One view per slice so the hot loop indexes without offset arithmetic.
const slice = (k: number): Int32Array => TABLES.subarray(k * 256, (k + 1) * 256);
const [T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15] = Array.from({ length: SLICES }, (_, k) =>
  slice(k),
) as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array,
  Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];

/** Same contract as {@link crc32c}; what an accelerator provides. */
export type Crc32cFunction = (data: Uint8Array, start: number, end: number, crc: number) => number;

/** Inputs shorter than this stay in TypeScript even with an accelerator installed. */
export const ACCELERATED_MIN_BYTES = 1024;

let accelerator: Crc32cFunction | null = null;
let acceleratorName: string | null = null;

/**
 * Installs `fn` as the CRC32C of inputs of at least ACCELERATED_MIN_BYTES (null: TypeScript
 * only). It is first compared with this implementation on fixed inputs (odd lengths and
 * offsets, continued checksums); one that disagrees is not installed and false is returned.
 * Process-wide: the checksum is the same whichever computes it.
 */
export function setCrc32cAccelerator(fn: Crc32cFunction | null, name = 'native'): boolean {
  if (fn === null) {
    accelerator = acceleratorName = null;
    return true;
  }
  const data = new Uint8Array(4096 + 7);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  for (const [start, end, seed] of [[0, 4096, 0], [3, 4096 + 7, 0], [1, 2500, 0x1234abcd], [0, 0, 7]] as const) {
    let got: number;
    try {
      got = fn(data, start, end, seed) >>> 0;
    } catch {
      return false;
    }
    if (got !== crc32cTable(data, start, end, seed)) return false;
  }
  accelerator = fn;
  acceleratorName = name;
  return true;
}

/** Which implementation checksums large inputs: 'typescript' or the accelerator's name. */
export function crc32cImplementation(): string {
  return acceleratorName ?? 'typescript';
}

/**
 * Continue a CRC32C over `data[start, end)`. Pass the previous result as `crc` to checksum a
 * message in pieces; start with 0. Returns the unsigned 32-bit checksum.
 */
export function crc32c(data: Uint8Array, start = 0, end = data.length, crc = 0): number {
  if (accelerator !== null && end - start >= ACCELERATED_MIN_BYTES) return accelerator(data, start, end, crc) >>> 0;
  return crc32cTable(data, start, end, crc);
}

/** The slicing-by-16 implementation (always available; the accelerator is checked against it). */
export function crc32cTable(data: Uint8Array, start = 0, end = data.length, crc = 0): number {
  let c = ~crc;
  let i = start;
  // Align to 4 bytes so the main loop can read whole little-endian words from an Int32Array view.
  const offset = data.byteOffset;
  while (i < end && ((offset + i) & 3) !== 0) c = T0[(c ^ data[i++]!) & 0xff]! ^ (c >>> 8);
  if (end - i >= 16 && LITTLE_ENDIAN) {
    const words = new Int32Array(data.buffer, offset + i, (end - i) >>> 2);
    const blocks = words.length >>> 2;
    for (let w = 0, n = blocks << 2; w < n; w += 4) {
      const a = words[w]! ^ c;
      const b = words[w + 1]!;
      const d = words[w + 2]!;
      const e = words[w + 3]!;
      c =
        T15[a & 0xff]! ^ T14[(a >>> 8) & 0xff]! ^ T13[(a >>> 16) & 0xff]! ^ T12[a >>> 24]! ^
        T11[b & 0xff]! ^ T10[(b >>> 8) & 0xff]! ^ T9[(b >>> 16) & 0xff]! ^ T8[b >>> 24]! ^
        T7[d & 0xff]! ^ T6[(d >>> 8) & 0xff]! ^ T5[(d >>> 16) & 0xff]! ^ T4[d >>> 24]! ^
        T3[e & 0xff]! ^ T2[(e >>> 8) & 0xff]! ^ T1[(e >>> 16) & 0xff]! ^ T0[e >>> 24]!;
    }
    i += blocks << 4;
  }
  while (i < end) c = T0[(c ^ data[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** The byte-at-a-time reference, kept for tests and the benchmark's baseline. */
export function crc32cBytewise(data: Uint8Array, start = 0, end = data.length, crc = 0): number {
  let c = ~crc;
  for (let i = start; i < end; i++) c = T0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
