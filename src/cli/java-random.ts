/**
 * java.util.SplittableRandom, bit for bit, for `kafka-wire perf`: Java 4.4's ProducerPerformance
 * draws every payload byte (`nextInt(26) + 65`) and every random key (`nextInt(range)`) from one
 * SplittableRandom(--random-seed, default 0), so with the same seed kafka-wire sends exactly the
 * records Java's tool sends. 64-bit arithmetic is done on two 32-bit halves (no bigint per call).
 *
 * The payload loop (`fillBounded`: --record-size bytes per record, one draw each) runs in a small
 * WebAssembly module where that arithmetic is native i64: in TypeScript it cost 12.7 ns per byte
 * (2.4 ns in the module), half of `kafka-wire perf`'s CPU at 100 B records (Java's JIT does it in a few ns, so the tool
 * measured its random numbers rather than the producer). Without WebAssembly the TypeScript
 * loop runs; both give the same bytes (test/unit/java-parity-cli.test.ts).
 */

const GAMMA_HI = 0x9e3779b9;
const GAMMA_LO = 0x7f4a7c15;

/** High 32 bits of the unsigned 64-bit product of two uint32s (16-bit limbs, every step exact). */
function mulHi32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const mid1 = a1 * b0 + ((a0 * b0) >>> 16);
  const mid2 = a0 * b1 + (mid1 & 0xffff);
  return a1 * b1 + (mid1 >>> 16) + (mid2 >>> 16);
}

export class SplittableRandom {
  private hi: number;
  private lo: number;
  constructor(seed: bigint | number = 0) {
    const s = BigInt.asUintN(64, BigInt(seed));
    this.hi = Number(s >> 32n);
    this.lo = Number(s & 0xffffffffn);
  }

  /** SplittableRandom.mix32(nextSeed()): Java's nextInt(). */
  nextInt(): number {
    const lo = this.lo + GAMMA_LO;
    this.lo = lo >>> 0;
    this.hi = (this.hi + GAMMA_HI + (lo > 0xffffffff ? 1 : 0)) >>> 0;
    // z = (z ^ (z >>> 33)) * 0x62a9d9ed799705f5, modulo 2^64
    const zh = this.hi;
    const zl = (this.lo ^ (zh >>> 1)) >>> 0;
    const yl = Math.imul(zl, 0x799705f5) >>> 0;
    const yh = (mulHi32(zl, 0x799705f5) + Math.imul(zh, 0x799705f5) + Math.imul(zl, 0x62a9d9ed)) >>> 0;
    // (int)(((y ^ (y >>> 28)) * 0xcb24d0a5c88c35b3) >>> 32)
    const wh = (yh ^ (yh >>> 28)) >>> 0;
    const wl = (yl ^ ((yl >>> 28) | (yh << 4))) >>> 0;
    return (mulHi32(wl, 0xc88c35b3) + Math.imul(wh, 0xc88c35b3) + Math.imul(wl, 0xcb24d0a5)) | 0;
  }

  /** Java's nextInt(bound) (RandomSupport.boundedNextInt with origin 0): uniform in [0, bound). */
  nextIntBounded(bound: number): number {
    if (!(bound > 0)) throw new RangeError('bound must be positive');
    let r = this.nextInt();
    const m = bound - 1;
    if ((bound & m) === 0) return r & m;
    for (let u = r >>> 1; ((u + m - (r = u % bound)) | 0) < 0; u = this.nextInt() >>> 1);
    return r;
  }

  /** `dst[j] = nextIntBounded(bound) + base` for every j, in order (in the WebAssembly module when it loads). */
  fillBounded(dst: Uint8Array, bound: number, base: number): void {
    if (!(bound > 0)) throw new RangeError('bound must be positive');
    const m = dst.length >= 16 ? loadFillModule() : null;
    if (m === null) {
      for (let j = 0; j < dst.length; j++) dst[j] = this.nextIntBounded(bound) + base;
      return;
    }
    if (fillView.length < 8 + dst.length) {
      m.memory.grow(Math.ceil((8 + dst.length - fillView.length) / 65536));
      fillView = new Uint8Array(m.memory.buffer); // grow() detached the old buffer
      fillSeed = new DataView(m.memory.buffer, 0, 8);
    }
    m.fillBounded(this.hi | 0, this.lo | 0, dst.length, bound, base);
    dst.set(fillView.subarray(8, 8 + dst.length));
    // The new seed: an i64 in WebAssembly's (little-endian) memory.
    this.lo = fillSeed.getUint32(0, true);
    this.hi = fillSeed.getUint32(4, true);
  }
}

/*
 * The module, in WebAssembly text; FILL_WASM below is its binary (wabt 1.0.39 `parseWat` +
 * `toBinary`). One call per buffer: the seed goes in as arguments and comes back in memory.
 *
 * (module
 *   (memory (export "memory") 1)
 *   ;; memory[8, 8 + len) = nextInt(bound) + base, drawn as Java's RandomSupport.boundedNextInt
 *   ;; draws them from a SplittableRandom whose seed is (hi, lo); its new seed goes to memory[0, 8)
 *   ;; (little-endian i64). nextInt is inlined (the seed in a local); u % bound is a multiplication
 *   ;; by a reciprocal, exact for u < 2^31: magic = ceil(2^(31+l) / bound), l = ceil(log2 bound).
 *   (func (export "fillBounded") (param $hi i32) (param $lo i32) (param $len i32) (param $bound i32) (param $base i32)
 *     (local $j i32) (local $r i32) (local $u i32) (local $m i32) (local $shift i64) (local $magic i64)
 *     (local $seed i64) (local $z i64)
 *     (local.set $seed
 *       (i64.or (i64.shl (i64.extend_i32_u (local.get $hi)) (i64.const 32)) (i64.extend_i32_u (local.get $lo))))
 *     (local.set $m (i32.sub (local.get $bound) (i32.const 1)))
 *     (local.set $shift (i64.extend_i32_u (i32.sub (i32.const 63) (i32.clz (local.get $m)))))
 *     (local.set $magic
 *       (i64.div_u
 *         (i64.add (i64.shl (i64.const 1) (local.get $shift)) (i64.extend_i32_u (local.get $m)))
 *         (i64.extend_i32_u (local.get $bound))))
 *     (block $done
 *       (loop $each
 *         (br_if $done (i32.ge_u (local.get $j) (local.get $len)))
 *         (loop $draw
 *           ;; r = nextInt(): seed += GAMMA; mix32(seed)
 *           (local.set $seed (i64.add (local.get $seed) (i64.const 0x9e3779b97f4a7c15)))
 *           (local.set $z (i64.mul (i64.xor (local.get $seed) (i64.shr_u (local.get $seed) (i64.const 33))) (i64.const 0x62a9d9ed799705f5)))
 *           (local.set $r
 *             (i32.wrap_i64
 *               (i64.shr_u
 *                 (i64.mul (i64.xor (local.get $z) (i64.shr_u (local.get $z) (i64.const 28))) (i64.const 0xcb24d0a5c88c35b3))
 *                 (i64.const 32))))
 *           (if (i32.eqz (i32.and (local.get $bound) (local.get $m)))
 *             (then (local.set $r (i32.and (local.get $r) (local.get $m))))
 *             (else
 *               ;; Java: for (u = r >>> 1; u + m - (r = u % bound) < 0; u = nextInt() >>> 1);
 *               (local.set $u (i32.shr_u (local.get $r) (i32.const 1)))
 *               (local.set $r
 *                 (i32.sub (local.get $u)
 *                   (i32.mul (local.get $bound)
 *                     (i32.wrap_i64 (i64.shr_u (i64.mul (i64.extend_i32_u (local.get $u)) (local.get $magic)) (local.get $shift))))))
 *               (br_if $draw (i32.lt_s (i32.sub (i32.add (local.get $u) (local.get $m)) (local.get $r)) (i32.const 0))))))
 *         (i32.store8 offset=8 (local.get $j) (i32.add (local.get $r) (local.get $base)))
 *         (local.set $j (i32.add (local.get $j) (i32.const 1)))
 *         (br $each)))
 *     (i64.store (i32.const 0) (local.get $seed))))
 */
const FILL_WASM = 'AGFzbQEAAAABCQFgBX9/f39/AAMCAQAFAwEAAQcYAgZtZW1vcnkCAAtmaWxsQm91bmRlZAAACtQBAdEBAgR/BH4gAK1CIIYgAa2EIQsgA0EBayEIQT8gCGdrrSEJQgEgCYYgCK18IAOtgCEKAkADQCAFIAJPDQEDQCALQpX4qfqXt96bnn98IQsgCyALQiGIhUL1i9zM17321OIAfiEMIAwgDEIciIVCs+uwxNyUtJJLfkIgiKchBiADIAhxRQRAIAYgCHEhBgUgBkEBdiEHIAcgAyAHrSAKfiAJiKdsayEGIAcgCGogBmtBAEgNAQsLIAUgBiAEajoACCAFQQFqIQUMAAsLQQAgCzcDAAs=';

interface FillModule {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  fillBounded(hi: number, lo: number, length: number, bound: number, base: number): void;
}

let fillModule: FillModule | null | undefined;
/** The module's memory, where fillBounded writes (renewed when it grows): the bytes, and the seed. */
let fillView = new Uint8Array(0);
let fillSeed = new DataView(new ArrayBuffer(8));

function loadFillModule(): FillModule | null {
  if (fillModule !== undefined) return fillModule;
  // The global by hand: the project's TypeScript lib has no WebAssembly declarations.
  const wasm = (globalThis as { WebAssembly?: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object) => { exports: unknown } } }).WebAssembly;
  try {
    if (wasm === undefined) throw new Error('no WebAssembly');
    const bytes = Uint8Array.from(atob(FILL_WASM), (c) => c.charCodeAt(0));
    fillModule = new wasm.Instance(new wasm.Module(bytes)).exports as FillModule;
    fillView = new Uint8Array(fillModule.memory.buffer);
    fillSeed = new DataView(fillModule.memory.buffer, 0, 8);
  } catch {
    fillModule = null; // no WebAssembly here: the TypeScript loop
  }
  return fillModule;
}
