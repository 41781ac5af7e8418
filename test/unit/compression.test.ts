import { describe, expect, it } from 'vitest';
import { KafkaWireError, ProtocolError } from '../../src/errors.js';
import {
  COMPRESSION_IDS,
  NATIVE_PACKAGES,
  compressionIdOf,
  compressionNameOf,
  getCodec,
  isSyncCodec,
  isXerialFramed,
  lz4BlockBound,
  lz4CompressBlock,
  lz4DecompressBlockInto,
  lz4FrameCompress,
  lz4FrameDecompress,
  snappyCompress,
  snappyUncompress,
  xerialDecode,
  xerialEncode,
  xxhash32,
  XERIAL_MAGIC,
  type CompressionName,
  type ModuleLoader,
} from '../../src/compression/index.js';

// ------------------------------------------------------------------------------------------
// inputs

function prng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const MiB = 1 << 20;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function incompressible(n: number, seed = 1): Uint8Array {
  const r = prng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 4) {
    const v = r();
    out[i] = v;
    out[i + 1] = v >>> 8;
    out[i + 2] = v >>> 16;
    out[i + 3] = v >>> 24;
  }
  return out;
}

/** Record-like JSON lines with varying numbers: compresses well but not trivially. */
function compressible(n: number, seed = 2): Uint8Array {
  const r = prng(seed);
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < n; i++) {
    const line = `{"id":${i},"user":"user-${r() % 1000}","amount":${r() % 100000},"currency":"EUR","status":"${
      ['new', 'paid', 'shipped'][r() % 3]
    }"}\n`;
    parts.push(line);
    size += line.length;
  }
  return utf8(parts.join('')).subarray(0, n);
}

const INPUTS: Array<[string, Uint8Array]> = [
  ['empty', new Uint8Array(0)],
  ['1 byte', Uint8Array.of(42)],
  ['small text', utf8('hello kafka-wire, hello kafka-wire, hello kafka-wire!')],
  ['16 zero bytes', new Uint8Array(16)],
  ['1 MiB incompressible', incompressible(MiB)],
  ['1 MiB compressible', compressible(MiB)],
  ['64 KiB + 1 compressible', compressible(65537, 3)],
  ['32 KiB - 1 incompressible', incompressible(32767, 4)],
  ['200 KiB zeros', new Uint8Array(200 * 1024)],
];

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

// ------------------------------------------------------------------------------------------
// Output of Kafka's own Java client (kafka-clients 4.4.0, Compression.of(codec).build()
// .wrapForOutput(..., magic 2)) for these inputs: empty, "hello", "kafka-wire " x 20,
// and "multi": 70000 bytes with byte i = (i % 97) + 32.
const JAVA_INPUTS: Record<string, Uint8Array> = {
  empty: new Uint8Array(0),
  hello: utf8('hello'),
  small: utf8('kafka-wire '.repeat(20)),
  multi: Uint8Array.from({ length: 70000 }, (_, i) => (i % 97) + 32),
};
const JAVA_OUTPUT: Array<[CompressionName, string, string]> = [
  ['gzip', 'empty', '1f8b08000000000000ff03000000000000000000'],
  ['gzip', 'hello', '1f8b08000000000000ffcb48cdc9c9070086a6103605000000'],
  ['gzip', 'small', '1f8b08000000000000ffcb4e4ccb4ed42dcf2c4a55c81e6e4c00d43a542bdc000000'],
  ['gzip', 'multi', '1f8b08000000000000ffedcd074201000000c0af90b4b4f7de6822250d940a25958ab6787a0fe9ee0317087685bac33dbd7dfd0391c1a1e191d1b1f189c9a9e999d9b9f985c5a5e595d5b5f58dcd682cbeb5bdb3bbb79f48a60ed2874799e3ecc9e9d9792e5fb8b82c5e5ddf94ca95dbbbea7dede1f1a9fefcf2da68bebd7f7c7e7dffb47edb9d804020100804028140201008040281402010080402814020100804028140201008040281402010080402814020100804028140201008040281402010080402814020100804028140201008040281402010080402814020100804028140201008040281402010080402814020100804028140201008040281402010080402814020100804028140201008040281402010080402814020100804028140201008040281402010080402814020100804028140201008040281402010080402814020100804028140201008040281402010080402814020100804028140201008040281402010080402814020100804ff2ff803df3a788e70110100'],
  ['snappy', 'empty', '82534e41505059000000000100000001'],
  ['snappy', 'hello', '82534e4150505900000000010000000100000007051068656c6c6f'],
  ['snappy', 'small', '82534e415050590000000001000000010000001adc01286b61666b612d7769726520fe0b00fe0b00fe0b00420b00'],
  ['snappy', 'multi', '82534e4150505900000000010000000100000664808002f061202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f8020fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe610076610000000664808002f0616f707172737475767778797a7b7c7d7e7f80202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6ffe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe610076610000000135f022f0615d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5dfe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100fe6100366100'],
  ['lz4', 'empty', '04224d1860408200000000'],
  ['lz4', 'hello', '04224d186040820500008068656c6c6f00000000'],
  ['lz4', 'small', '04224d1860408215000000bf6b61666b612d77697265200b00b950776972652000000000'],
  ['lz4', 'multi', '04224d186040826c010000ff52202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f806100ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff875058595a5b5c7d000000ff525d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c6100ffffffffffffffffffffffffffffffffff08505a5b5c5d5e00000000'],
  ['zstd', 'empty', '28b52ffd2000010000'],
  ['zstd', 'hello', '28b52ffd005828000068656c6c6f010000'],
  ['zstd', 'small', '28b52ffd0058940000586b61666b612d776972652001004e53c50b010000'],
  ['zstd', 'multi', '28b52ffd00585c03001406202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f800100214304998728010000'],
];

// ------------------------------------------------------------------------------------------
// codec matrix

interface Variant {
  label: string;
  name: CompressionName;
  implementation: 'auto' | 'native' | 'pure';
}
const VARIANTS: Variant[] = [
  { label: 'none', name: 'none', implementation: 'auto' },
  { label: 'gzip', name: 'gzip', implementation: 'auto' },
  { label: 'snappy (pure TS)', name: 'snappy', implementation: 'pure' },
  { label: 'snappy (native snappy)', name: 'snappy', implementation: 'native' },
  { label: 'lz4 (pure TS)', name: 'lz4', implementation: 'pure' },
  { label: 'lz4 (native lz4-napi)', name: 'lz4', implementation: 'native' },
  { label: 'zstd (native @mongodb-js/zstd)', name: 'zstd', implementation: 'native' },
];

describe.each(VARIANTS)('$label', ({ name, implementation }) => {
  it('loads with the expected id, name and sync flag', async () => {
    const codec = await getCodec(name, { implementation });
    expect(codec.name).toBe(name);
    expect(codec.id).toBe(COMPRESSION_IDS[name]);
    expect(codec.sync).toBe(name !== 'zstd');
    expect(isSyncCodec(codec)).toBe(name !== 'zstd');
    if (implementation !== 'auto') expect(codec.implementation).toBe(implementation);
    expect(await getCodec(COMPRESSION_IDS[name], { implementation })).toBe(codec);
  });

  it.each(INPUTS)('round-trips %s', async (_label, input) => {
    const codec = await getCodec(name, { implementation });
    const compressed = await codec.compress(input);
    const back = await codec.decompress(compressed);
    expect(back.length).toBe(input.length);
    expect(equalBytes(back, input)).toBe(true);
    if (name !== 'none' && input.length === MiB) {
      const ratio = compressed.length / input.length;
      if (input === INPUTS[5]![1]) expect(ratio).toBeLessThan(0.5); // compressible
      else expect(ratio).toBeLessThan(1.01); // incompressible: bounded expansion
    }
  });

  if (name !== 'none') {
    it.each(JAVA_OUTPUT.filter(([c]) => c === name))('decompresses Java output %s/%s', async (_c, input, h) => {
      const codec = await getCodec(name, { implementation });
      const back = await codec.decompress(hex(h));
      expect(equalBytes(back, JAVA_INPUTS[input]!)).toBe(true);
    });
  }
});

// ------------------------------------------------------------------------------------------

describe('registry', () => {
  it('maps names and ids like Kafka', () => {
    expect(COMPRESSION_IDS).toEqual({ none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 });
    expect(compressionIdOf('lz4')).toBe(3);
    expect(compressionNameOf(4)).toBe('zstd');
    expect(() => compressionIdOf('brotli')).toThrow(KafkaWireError);
    expect(() => compressionIdOf('toString')).toThrow(/Unknown compression type/);
    expect(() => compressionNameOf(5)).toThrow(KafkaWireError);
    expect(() => compressionNameOf(1.5)).toThrow(KafkaWireError);
  });

  it('rejects unknown codecs with UNSUPPORTED_COMPRESSION_TYPE', async () => {
    await expect(getCodec('brotli' as CompressionName)).rejects.toMatchObject({ code: 'UNSUPPORTED_COMPRESSION_TYPE' });
    await expect(getCodec(7)).rejects.toMatchObject({ code: 'UNSUPPORTED_COMPRESSION_TYPE' });
  });

  it('caches codecs loaded with the default loader', async () => {
    expect(await getCodec('lz4')).toBe(await getCodec('lz4'));
    expect(await getCodec('gzip')).toBe(await getCodec(1));
  });

  it("'auto' prefers the installed native package", async () => {
    expect((await getCodec('snappy')).implementation).toBe('native');
    expect((await getCodec('lz4')).implementation).toBe('native');
  });

  const missing: ModuleLoader = (specifier) => {
    const err = new Error(`Cannot find package '${specifier}' imported from kafka-wire`) as Error & { code: string };
    err.code = 'ERR_MODULE_NOT_FOUND';
    return Promise.reject(err);
  };

  it.each([
    ['snappy', 'snappy'],
    ['lz4', 'lz4-napi'],
    ['zstd', '@mongodb-js/zstd'],
  ] as const)('a missing package for %s is an error naming %s', async (codec, pkg) => {
    const err = await getCodec(codec, { implementation: 'native', loader: missing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaWireError);
    expect((err as KafkaWireError).code).toBe('UNSUPPORTED_COMPRESSION_TYPE');
    expect((err as KafkaWireError).retriable).toBe(false);
    expect((err as KafkaWireError).message).toContain(`'${pkg}'`);
    expect((err as KafkaWireError).message).toContain(`npm install ${NATIVE_PACKAGES[codec].install}`);
    expect((err as KafkaWireError).cause).toBeInstanceOf(Error);
  });

  it("zstd is missing in 'auto' mode too (there is no fallback)", async () => {
    await expect(getCodec('zstd', { loader: missing })).rejects.toMatchObject({ code: 'UNSUPPORTED_COMPRESSION_TYPE' });
    await expect(getCodec('zstd', { implementation: 'pure' })).rejects.toThrow(/no pure TypeScript implementation/);
  });

  it("'auto' falls back to pure TypeScript when snappy / lz4-napi are missing", async () => {
    const requested: string[] = [];
    const loader: ModuleLoader = (s) => {
      requested.push(s);
      return missing(s);
    };
    expect((await getCodec('snappy', { loader })).implementation).toBe('pure');
    expect((await getCodec('lz4', { loader })).implementation).toBe('pure');
    expect(requested).toEqual(['snappy', 'lz4-napi']);
    expect((await getCodec('lz4', { implementation: 'pure', loader })).implementation).toBe('pure');
    expect(requested).toHaveLength(2); // 'pure' never tries to load the package
  });

  it('a package without the expected functions is an error too', async () => {
    const loader: ModuleLoader = () => Promise.resolve({ default: { nothing: 1 } });
    await expect(getCodec('lz4', { implementation: 'native', loader })).rejects.toThrow(/does not export compressSync/);
  });

  it('loads CommonJS packages through a custom loader (default export)', async () => {
    const real = await import('lz4-napi');
    const loader: ModuleLoader = () => Promise.resolve({ default: real.default ?? real });
    const codec = await getCodec('lz4', { implementation: 'native', loader });
    expect(codec.implementation).toBe('native');
    const data = compressible(10000);
    expect(equalBytes(await codec.decompress(await codec.compress(data)), data)).toBe(true);
  });

  it('uses an injected gzip adapter (runtimes without node:zlib)', async () => {
    const calls: string[] = [];
    const codec = await getCodec('gzip', {
      gzip: {
        gzip: (d, level) => (calls.push(`gzip:${level}`), d.slice()),
        gunzip: (d) => (calls.push('gunzip'), d.slice()),
      },
    });
    const c = codec.compress(Uint8Array.of(1, 2), 9) as Uint8Array;
    codec.compress(Uint8Array.of(1, 2), -1);
    codec.decompress(c);
    expect(calls).toEqual(['gzip:9', 'gzip:undefined', 'gunzip']);
  });
});

// ------------------------------------------------------------------------------------------

describe('gzip', () => {
  it('writes a plain gzip stream and honours the level', async () => {
    const codec = await getCodec('gzip');
    const data = compressible(MiB);
    const fast = codec.compress(data, 1) as Uint8Array;
    const best = codec.compress(data, 9) as Uint8Array;
    const dflt = codec.compress(data) as Uint8Array;
    expect([fast[0], fast[1], fast[2]]).toEqual([0x1f, 0x8b, 8]); // gzip magic, deflate
    expect(best.length).toBeLessThan(fast.length);
    expect(equalBytes(codec.decompress(dflt) as Uint8Array, data)).toBe(true);
  });

  it('reads concatenated gzip members', async () => {
    const codec = await getCodec('gzip');
    const a = codec.compress(utf8('hello ')) as Uint8Array;
    const b = codec.compress(utf8('world')) as Uint8Array;
    const both = new Uint8Array([...a, ...b]);
    expect(new TextDecoder().decode(codec.decompress(both) as Uint8Array)).toBe('hello world');
  });
});

describe('zstd', () => {
  it('writes zstd frames (magic 28 b5 2f fd), honours the level, is async', async () => {
    const codec = await getCodec('zstd');
    const data = compressible(MiB);
    const p = codec.compress(data, 1);
    expect(p).toBeInstanceOf(Promise);
    const fast = await p;
    const best = await codec.compress(data, 19);
    expect(toHex(fast.subarray(0, 4))).toBe('28b52ffd');
    expect(best.length).toBeLessThan(fast.length);
    expect(equalBytes(await codec.decompress(best), data)).toBe(true);
    // negative ("fast") levels are accepted
    expect(equalBytes(await codec.decompress(await codec.compress(data, -5)), data)).toBe(true);
  });

  it('rejects corrupt input', async () => {
    const codec = await getCodec('zstd');
    await expect(codec.decompress(Uint8Array.of(1, 2, 3, 4, 5))).rejects.toThrow();
  });
});

// ------------------------------------------------------------------------------------------

describe('snappy: xerial framing', () => {
  it("writes Java's header and 32 KiB blocks of int32 BE length + raw snappy", async () => {
    const codec = await getCodec('snappy', { implementation: 'pure' });
    const data = compressible(100_000);
    const framed = codec.compress(data) as Uint8Array;
    expect(isXerialFramed(framed)).toBe(true);
    expect(Array.from(framed.subarray(0, 16))).toEqual([...XERIAL_MAGIC, 0, 0, 0, 1, 0, 0, 0, 1]);
    const view = new DataView(framed.buffer, framed.byteOffset, framed.byteLength);
    const sizes: number[] = [];
    let p = 16;
    while (p < framed.length) {
      const len = view.getInt32(p);
      const block = snappyUncompress(framed, p + 4, p + 4 + len);
      sizes.push(block.length);
      p += 4 + len;
    }
    expect(p).toBe(framed.length);
    expect(sizes).toEqual([32768, 32768, 32768, 100_000 - 3 * 32768]);
  });

  it('empty input is the bare header, as snappy-java writes it', async () => {
    const codec = await getCodec('snappy', { implementation: 'pure' });
    expect(toHex(codec.compress(new Uint8Array(0)) as Uint8Array)).toBe('82534e41505059000000000100000001');
  });

  it("matches Java's bytes where the compressor has no choice to make", async () => {
    for (const implementation of ['pure', 'native'] as const) {
      const codec = await getCodec('snappy', { implementation });
      for (const [c, input, h] of JAVA_OUTPUT) {
        if (c === 'snappy' && (input === 'empty' || input === 'hello')) {
          expect(toHex(codec.compress(JAVA_INPUTS[input]!) as Uint8Array)).toBe(h);
        }
      }
    }
  });

  it('reads raw (unframed) snappy, like SnappyInputStream', async () => {
    const data = compressible(50_000);
    for (const implementation of ['pure', 'native'] as const) {
      const codec = await getCodec('snappy', { implementation });
      expect(equalBytes(codec.decompress(snappyCompress(data)) as Uint8Array, data)).toBe(true);
      expect((codec.decompress(Uint8Array.of(0)) as Uint8Array).length).toBe(0); // raw empty
    }
  });

  it('reads concatenated xerial streams', async () => {
    const codec = await getCodec('snappy', { implementation: 'pure' });
    const a = codec.compress(utf8('first ')) as Uint8Array;
    const b = codec.compress(utf8('second')) as Uint8Array;
    expect(new TextDecoder().decode(codec.decompress(new Uint8Array([...a, ...b])) as Uint8Array)).toBe('first second');
  });

  it('rejects truncated frames', async () => {
    const codec = await getCodec('snappy', { implementation: 'pure' });
    const framed = codec.compress(compressible(10_000)) as Uint8Array;
    expect(() => codec.decompress(framed.subarray(0, framed.length - 3))).toThrow(ProtocolError);
    expect(() => codec.decompress(framed.subarray(0, 18))).toThrow(ProtocolError);
  });
});

describe('snappy: pure TypeScript vs native (napi-rs snappy)', () => {
  it('each side reads what the other wrote, raw and framed', async () => {
    const snappy = await import('snappy');
    const pure = await getCodec('snappy', { implementation: 'pure' });
    const native = await getCodec('snappy', { implementation: 'native' });
    for (const [, input] of INPUTS) {
      const ours = snappyCompress(input);
      expect(equalBytes(snappy.uncompressSync(Buffer.from(ours), { asBuffer: true }) as Buffer, input)).toBe(true);
      const theirs = snappy.compressSync(Buffer.from(input));
      expect(equalBytes(snappyUncompress(theirs), input)).toBe(true);
      expect(equalBytes(native.decompress(pure.compress(input) as Uint8Array) as Uint8Array, input)).toBe(true);
      expect(equalBytes(pure.decompress(native.compress(input) as Uint8Array) as Uint8Array, input)).toBe(true);
      // pure TS compresses within a few percent of google's
      if (input.length === MiB) expect(ours.length).toBeLessThan(theirs.length * 1.15 + 64);
    }
  });

  it('decodes every element kind (long literals, 1/2/4-byte offset copies, overlapping copies)', () => {
    // hand-made raw snappy: length 80; literal "ab" (tag 0x04); copy-1 len 4 off 2 (overlapping);
    // literal of 61 bytes with a 1-byte length (tag 60<<2); copy-2 len 8 off 67; copy-4 len 5 off 3
    const lit61 = Array.from({ length: 61 }, (_, i) => 65 + (i % 26));
    const bytes = [80, 0x04, 0x61, 0x62, 0x01 | (0 << 2), 0x02, 60 << 2, 60, ...lit61, 0x02 | (7 << 2), 67, 0, 0x03 | (4 << 2), 3, 0, 0, 0];
    const out = snappyUncompress(Uint8Array.from(bytes));
    const expected: number[] = [0x61, 0x62, 0x61, 0x62, 0x61, 0x62, ...lit61];
    for (let i = 0; i < 8; i++) expected.push(expected[expected.length - 67]!);
    for (let i = 0; i < 5; i++) expected.push(expected[expected.length - 3]!);
    expect(Array.from(out)).toEqual(expected);
  });

  it('rejects corrupt raw snappy with ProtocolError', () => {
    expect(() => snappyUncompress(Uint8Array.of(5, 0x01, 0x05))).toThrow(ProtocolError); // offset beyond output
    expect(() => snappyUncompress(Uint8Array.of(3, 0x08, 0x61))).toThrow(ProtocolError); // truncated literal
    expect(() => snappyUncompress(Uint8Array.of(4, 0x04, 0x61, 0x62))).toThrow(ProtocolError); // short output
    expect(() => snappyUncompress(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x7f))).toThrow(ProtocolError); // preamble
    expect(() => snappyUncompress(Uint8Array.of(0x80, 0x80, 0x80, 0x10, 0))).toThrow(/larger than possible/); // 32 MiB claim
  });
});

// ------------------------------------------------------------------------------------------

describe('lz4: frame format', () => {
  it("writes Kafka's frame layout: FLG 0x60, BD 0x40 (64 KiB), header checksum, end mark", async () => {
    for (const implementation of ['pure', 'native'] as const) {
      const codec = await getCodec('lz4', { implementation });
      const data = compressible(200_000);
      const frame = codec.compress(data) as Uint8Array;
      expect(toHex(frame.subarray(0, 7))).toBe('04224d18604082');
      expect((xxhash32(frame, 4, 6) >>> 8) & 0xff).toBe(0x82);
      const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
      let p = 7;
      const sizes: number[] = [];
      for (;;) {
        const word = view.getUint32(p, true);
        p += 4;
        if (word === 0) break;
        const size = word & 0x7fffffff;
        const out = new Uint8Array(65536);
        sizes.push(word & 0x80000000 ? size : lz4DecompressBlockInto(frame, p, p + size, out, 0));
        p += size;
      }
      expect(p).toBe(frame.length);
      expect(sizes).toEqual([65536, 65536, 65536, 200_000 - 3 * 65536]);
    }
  });

  it('stores incompressible blocks uncompressed (high bit of the block size)', () => {
    const data = incompressible(70_000, 9);
    const frame = lz4FrameCompress(data);
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    expect(view.getUint32(7, true)).toBe((0x80000000 | 65536) >>> 0);
    expect(equalBytes(frame.subarray(11, 11 + 65536), data.subarray(0, 65536))).toBe(true);
    expect(frame.length).toBe(7 + 4 + 65536 + 4 + (70_000 - 65536) + 4);
  });

  it("matches Java's bytes where the compressor has no choice to make", async () => {
    for (const implementation of ['pure', 'native'] as const) {
      const codec = await getCodec('lz4', { implementation });
      for (const [c, input, h] of JAVA_OUTPUT) {
        if (c === 'lz4' && (input === 'empty' || input === 'hello')) {
          expect(toHex(codec.compress(JAVA_INPUTS[input]!) as Uint8Array)).toBe(h);
        }
      }
    }
  });

  it('reads frames with block checksums, content checksum, big blocks (lz4-napi frames)', async () => {
    const lz4 = await import('lz4-napi');
    const data = compressible(600_000);
    const withChecksums = lz4.compressFrameSync(Buffer.from(data), { contentChecksum: true, blockChecksums: true });
    expect(withChecksums[4]! & 0x14).toBe(0x14);
    expect(equalBytes(lz4FrameDecompress(withChecksums), data)).toBe(true);
    const big = lz4.compressFrameSync(Buffer.from(data));
    expect((big[5]! >>> 4) & 7).toBeGreaterThan(4); // 256 KiB+ blocks
    expect(equalBytes(lz4FrameDecompress(big), data)).toBe(true);
    // and our block-checksummed frames are readable by lz4-napi
    const ours = lz4FrameCompress(data, { blockChecksum: true });
    expect(equalBytes(lz4.decompressFrameSync(Buffer.from(ours)), data)).toBe(true);
    expect(equalBytes(lz4FrameDecompress(ours), data)).toBe(true);
  });

  it('detects checksum mismatches', async () => {
    const lz4 = await import('lz4-napi');
    const data = compressible(1000);
    const frame = new Uint8Array(lz4.compressFrameSync(Buffer.from(data), { contentChecksum: true }));
    frame[frame.length - 1]! ^= 1;
    expect(() => lz4FrameDecompress(frame)).toThrow(/content checksum/);
    const ours = lz4FrameCompress(data, { blockChecksum: true });
    ours[ours.length - 5]! ^= 1; // last byte of the block checksum
    expect(() => lz4FrameDecompress(ours)).toThrow(/block checksum/);
    const header = lz4FrameCompress(data);
    header[6]! ^= 1;
    expect(() => lz4FrameDecompress(header)).toThrow(/descriptor checksum/);
  });

  it('reads dependent blocks, skippable frames and concatenated frames', () => {
    // hand-made frame without block independence: block 1 stored raw, block 2 copies from block 1
    const first = utf8('0123456789abcdef');
    const second = [0x08, 16, 0, 0x50, ...utf8('XYZWV')]; // match len 12 offset 16, then 5 literals
    const flg = 0x40; // version 01, blocks dependent
    const desc = Uint8Array.of(flg, 0x40);
    const hc = (xxhash32(desc) >>> 8) & 0xff;
    const frame = Uint8Array.from([
      0x04, 0x22, 0x4d, 0x18, flg, 0x40, hc,
      16, 0, 0, 0x80, ...first,
      second.length, 0, 0, 0, ...second,
      0, 0, 0, 0,
    ]);
    expect(new TextDecoder().decode(lz4FrameDecompress(frame))).toBe('0123456789abcdef0123456789abXYZWV');
    const independent = Uint8Array.from(frame);
    independent[4] = 0x60;
    independent[6] = (xxhash32(Uint8Array.of(0x60, 0x40)) >>> 8) & 0xff;
    expect(() => lz4FrameDecompress(independent)).toThrow(/offset out of range/);
    const skippable = Uint8Array.of(0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3);
    const two = new Uint8Array([...skippable, ...lz4FrameCompress(utf8('ab')), ...lz4FrameCompress(utf8('cd'))]);
    expect(new TextDecoder().decode(lz4FrameDecompress(two))).toBe('abcd');
  });

  it('rejects what Kafka cannot read or what is corrupt', () => {
    const good = lz4FrameCompress(compressible(5000));
    expect(() => lz4FrameDecompress(good.subarray(0, good.length - 1))).toThrow(ProtocolError);
    expect(() => lz4FrameDecompress(Uint8Array.of(0x02, 0x21, 0x4c, 0x18, 0, 0, 0, 0))).toThrow(/unsupported frame magic/); // legacy
    const badVersion = Uint8Array.from(good);
    badVersion[4] = 0xa0;
    expect(() => lz4FrameDecompress(badVersion)).toThrow(/version/);
  });
});

describe('lz4: concatenated frames (Kafka reads every frame)', () => {
  it('both decoders read two concatenated frames, and skip a skippable frame between them', async () => {
    const a = compressible(300_000, 5);
    const b = incompressible(400_000, 6);
    const pure = await getCodec('lz4', { implementation: 'pure' });
    const fa = pure.compress(a) as Uint8Array;
    const fb = pure.compress(b) as Uint8Array;
    const skippable = Uint8Array.of(0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3);
    const want = new Uint8Array([...a, ...b]);
    for (const implementation of ['pure', 'native'] as const) {
      const codec = await getCodec('lz4', { implementation });
      const got = codec.decompress(new Uint8Array([...fa, ...fb])) as Uint8Array;
      expect(got.length, implementation).toBe(700_000);
      expect(equalBytes(got, want), implementation).toBe(true);
      expect(equalBytes(codec.decompress(new Uint8Array([...fa, ...skippable, ...fb])) as Uint8Array, want), implementation).toBe(true);
      expect(() => codec.decompress(new Uint8Array([...fa, ...fb.subarray(0, fb.length - 2)])), implementation).toThrow();
    }
  });
});

describe('lz4: pure TypeScript vs native (lz4-napi)', () => {
  it('blocks and frames written by one are read by the other', async () => {
    const lz4 = await import('lz4-napi');
    const pure = await getCodec('lz4', { implementation: 'pure' });
    const native = await getCodec('lz4', { implementation: 'native' });
    for (const [, input] of INPUTS) {
      // raw block: lz4-napi wants a 4-byte little-endian size prefix
      const block = lz4CompressBlock(input);
      expect(block.length).toBeLessThanOrEqual(lz4BlockBound(input.length));
      const prefixed = new Uint8Array(4 + block.length);
      new DataView(prefixed.buffer).setUint32(0, input.length, true);
      prefixed.set(block, 4);
      expect(equalBytes(lz4.uncompressSync(prefixed), input)).toBe(true);
      const theirs = lz4.compressSync(Buffer.from(input));
      const out = new Uint8Array(input.length);
      expect(lz4DecompressBlockInto(theirs, 4, theirs.length, out, 0)).toBe(input.length);
      expect(equalBytes(out, input)).toBe(true);
      // frames
      expect(equalBytes(native.decompress(pure.compress(input) as Uint8Array) as Uint8Array, input)).toBe(true);
      expect(equalBytes(pure.decompress(native.compress(input) as Uint8Array) as Uint8Array, input)).toBe(true);
      expect(equalBytes(pure.decompress(lz4.compressFrameSync(Buffer.from(input))) as Uint8Array, input)).toBe(true);
      if (input.length === MiB) expect(block.length).toBeLessThan(theirs.length * 1.15 + 64);
    }
  });
});

// ------------------------------------------------------------------------------------------

describe('pure-TS decoders on damaged input', () => {
  // Random damage must end in either some output or a ProtocolError: never another exception,
  // never a hang, never an out-of-bounds write.
  const cases: Array<[string, (d: Uint8Array) => Uint8Array, Uint8Array]> = [
    ['snappy (xerial)', (d) => xerialDecode(d, { compress: snappyCompress, uncompress: (b) => snappyUncompress(b) }), xerialEncode(compressible(20_000), { compress: snappyCompress, uncompress: (b) => snappyUncompress(b) })],
    ['lz4 frame', lz4FrameDecompress, lz4FrameCompress(compressible(20_000))],
  ];
  it.each(cases)('%s', (_label, decode, valid) => {
    const r = prng(99);
    for (let trial = 0; trial < 400; trial++) {
      const d = Uint8Array.from(valid);
      const flips = 1 + (r() % 4);
      for (let f = 0; f < flips; f++) d[r() % d.length] = r() & 0xff;
      const cut = trial % 5 === 0 ? d.subarray(0, r() % d.length) : d;
      try {
        decode(cut);
      } catch (e) {
        expect(e).toBeInstanceOf(ProtocolError);
      }
    }
  });
});

describe('xxhash32', () => {
  // values from lz4-java's XXHash32 (the one Kafka uses)
  it.each([
    ['', 46947589, 187479954],
    ['a', 1426945110, 4111757423],
    ['abc', 852579327, 2856167679],
    ['0123456789abcdef', 3267648361, 4078952911],
    ['0123456789abcdefghij', 895486230, 687206219],
    ['The quick brown fox jumps over the lazy dog', 3898516702, 592413809],
  ])('xxh32(%j)', (s, seed0, seed1) => {
    const b = utf8(s);
    expect(xxhash32(b)).toBe(seed0);
    expect(xxhash32(b, 0, b.length, 1)).toBe(seed1);
  });

  it('hashes a sub-range', () => {
    const b = utf8('xxabcxx');
    expect(xxhash32(b, 2, 5)).toBe(852579327);
  });
});

