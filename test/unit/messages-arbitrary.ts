/**
 * Test helpers for the message engine: a seeded PRNG, a generator of valid random messages for
 * any description at any version, and a subset comparison for decoded messages.
 */
import { inVersions, type FieldDef, type MessageDef } from '../../src/protocol/messages/schema.js';

/** mulberry32: small, fast, seeded. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rand {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(this.next() * 256);
    return b;
  }
  string(): string {
    const kind = this.int(0, 5);
    if (kind === 0) return '';
    if (kind === 1) return 'topic-' + this.int(0, 1000);
    if (kind === 2) return Array.from('é日本😀').slice(0, this.int(1, 4)).join('');
    if (kind === 3) return 'x'.repeat(this.int(40, 200));
    let s = '';
    const n = this.int(1, 12);
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.int(32, 126));
    return s;
  }
}

const INT_RANGES: Record<string, [number, number]> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

function randomPrimitive(rand: Rand, type: string): unknown {
  const range = INT_RANGES[type];
  if (range) {
    const edge = rand.int(0, 4);
    if (edge === 0) return range[0];
    if (edge === 1) return range[1];
    if (edge === 2) return Math.min(range[1], Math.max(range[0], rand.int(-1, 1)));
    return rand.int(range[0], range[1]);
  }
  switch (type) {
    case 'int64': {
      const edge = rand.int(0, 4);
      if (edge === 0) return -(2n ** 63n);
      if (edge === 1) return 2n ** 63n - 1n;
      if (edge === 2) return BigInt(rand.int(-1, 1));
      return BigInt.asIntN(64, (BigInt(rand.int(0, 0xffffffff)) << 32n) | BigInt(rand.int(0, 0xffffffff)));
    }
    case 'float64':
      return rand.pick([0, -1.5, 3.25, 1e300, -0]);
    case 'bool':
      return rand.bool();
    case 'string':
      return rand.string();
    case 'bytes':
    case 'records':
      return rand.bytes(rand.int(0, 40));
    case 'uuid':
      return rand.bool(0.2) ? new Uint8Array(16) : rand.bytes(16);
    default:
      throw new Error(`type ${type}`);
  }
}

/** A random valid value of every field of `fields` present at `version`. */
export function randomStruct(rand: Rand, fields: readonly FieldDef[], version: number, depth = 0): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fields) {
    if (!inVersions(f.versions, version)) continue;
    o[f.name] = randomField(rand, f, version, depth);
  }
  return o;
}

function randomField(rand: Rand, f: FieldDef, version: number, depth: number): unknown {
  const nullable = inVersions(f.nullableVersions, version);
  if (nullable && rand.bool(0.2)) return null;
  const isArray = f.type.startsWith('[]');
  if (f.fields) {
    if (isArray) {
      const n = depth > 3 ? 0 : rand.int(0, 3);
      return Array.from({ length: n }, () => randomStruct(rand, f.fields!, version, depth + 1));
    }
    return randomStruct(rand, f.fields, version, depth + 1);
  }
  if (isArray) {
    const n = rand.int(0, 4);
    return Array.from({ length: n }, () => randomPrimitive(rand, f.type.slice(2)));
  }
  return randomPrimitive(rand, f.type);
}

export function randomMessage(rand: Rand, def: MessageDef, version: number): Record<string, unknown> {
  return randomStruct(rand, def.fields, version);
}

/** Every version of a description, from its validVersions. */
export function versionsOf(def: MessageDef): number[] {
  const m = /^(\d+)-(\d+)$/.exec(def.validVersions);
  if (!m) throw new Error(def.validVersions);
  const out: number[] = [];
  for (let v = Number(m[1]); v <= Number(m[2]); v++) out.push(v);
  return out;
}

/** Throws unless every key of `expected` (recursively) equals the same key of `actual`. */
export function assertSubset(actual: unknown, expected: unknown, path = '$'): void {
  if (expected instanceof Uint8Array) {
    if (!(actual instanceof Uint8Array) || actual.length !== expected.length || actual.some((b, i) => b !== expected[i])) {
      throw new Error(`${path}: bytes differ`);
    }
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) throw new Error(`${path}: array length differs`);
    expected.forEach((e, i) => assertSubset(actual[i], e, `${path}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') throw new Error(`${path}: expected an object`);
    for (const [k, v] of Object.entries(expected)) assertSubset((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    return;
  }
  if (!Object.is(actual, expected) && !(actual === 0 && expected === 0)) {
    throw new Error(`${path}: ${String(actual)} !== ${String(expected)}`);
  }
}
