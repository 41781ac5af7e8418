/**
 * java.util.SplittableRandom, bit for bit, for `kafka-wire perf`: Java 4.4's ProducerPerformance
 * draws every payload byte (`nextInt(26) + 65`) and every random key (`nextInt(range)`) from one
 * SplittableRandom(--random-seed, default 0), so with the same seed kafka-wire sends exactly the
 * records Java's tool sends. 64-bit arithmetic is done on two 32-bit halves (no bigint per call).
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
}
