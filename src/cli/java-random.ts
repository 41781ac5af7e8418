/**
 * java.util.SplittableRandom, bit for bit, for `kafka-wire perf`: Java 4.4's ProducerPerformance
 * draws every payload byte (`nextInt(26) + 65`) and every random key (`nextInt(range)`) from one
 * SplittableRandom(--random-seed, default 0), so with the same seed kafka-wire sends exactly the
 * records Java's tool sends. 64-bit arithmetic is done on two 32-bit halves (no bigint per call).
 */

const GAMMA_HI = 0x9e3779b9;
const GAMMA_LO = 0x7f4a7c15;

/** 64-bit product of (ah,al) and (bh,bl), modulo 2^64; the result halves are in `out`. */
function mul64(ah: number, al: number, bh: number, bl: number, out: Uint32Array): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const mid = a0 * b1 + a1 * b0; // < 2^33
  const lo = a0 * b0 + (mid % 0x10000) * 0x10000; // < 2^33
  const hiFromLo = a1 * b1 + Math.floor(mid / 0x10000) + Math.floor(lo / 0x100000000);
  out[0] = hiFromLo + Math.imul(ah, bl) + Math.imul(al, bh);
  out[1] = lo;
}

export class SplittableRandom {
  #hi: number;
  #lo: number;
  readonly #t = new Uint32Array(2);

  constructor(seed: bigint | number = 0) {
    const s = BigInt.asUintN(64, BigInt(seed));
    this.#hi = Number(s >> 32n);
    this.#lo = Number(s & 0xffffffffn);
  }

  /** SplittableRandom.mix32(nextSeed()): Java's nextInt(). */
  nextInt(): number {
    const lo = this.#lo + GAMMA_LO;
    this.#lo = lo >>> 0;
    this.#hi = (this.#hi + GAMMA_HI + (lo > 0xffffffff ? 1 : 0)) >>> 0;
    const t = this.#t;
    // z = (z ^ (z >>> 33)) * 0x62a9d9ed799705f5
    mul64(this.#hi, (this.#lo ^ (this.#hi >>> 1)) >>> 0, 0x62a9d9ed, 0x799705f5, t);
    const yh = t[0]!;
    const yl = t[1]!;
    // (int)(((z ^ (z >>> 28)) * 0xcb24d0a5c88c35b3) >>> 32)
    mul64((yh ^ (yh >>> 28)) >>> 0, (yl ^ ((yl >>> 28) | (yh << 4))) >>> 0, 0xcb24d0a5, 0xc88c35b3, t);
    return t[0]! | 0;
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
