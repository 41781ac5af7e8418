/**
 * Fuzzing every decoder: each message at each version (requests and responses), both headers,
 * full request/response frames and the ApiVersions fallback. Inputs: random bytes, truncations
 * of valid encodings (random messages and, when present, Java's golden fixtures), single- and
 * multi-byte mutations, and huge lengths/counts planted at random offsets. A decoder may return a
 * value or throw ProtocolError; anything else (RangeError, TypeError, ...) fails the test.
 * Seeded, so every run tries the same inputs. The decoders and input generators live in
 * test/helpers/fuzz-core.ts, shared with `npm run fuzz` (tools/fuzz.mjs), which runs every decoder
 * (record batches, codecs and primitives too) with millions of inputs.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/errors.js';
import { MetadataResponseDef, ProduceResponseDef, decodeMessage } from '../../src/protocol/messages/index.js';
import { Reader } from '../../src/protocol/reader.js';
import { Rand, messageDecoders, mutate } from '../helpers/fuzz-core.js';

const PER_DECODER = 2500;
let totalInputs = 0;

describe('fuzz: decoders throw only ProtocolError', () => {
  const rand = new Rand(0x5eed);
  const decoders = messageDecoders(rand);

  it(`runs ${PER_DECODER} inputs through each decoder`, () => {
    const started = Date.now();
    let rejected = 0;
    for (const d of decoders) {
      for (let i = 0; i < PER_DECODER; i++) {
        const input = mutate(rand, rand.pick(d.seeds));
        totalInputs++;
        try {
          d.decode(input);
        } catch (e) {
          if (!(e instanceof ProtocolError)) {
            throw new Error(`${d.name} threw ${(e as Error)?.name}: ${(e as Error)?.message} on ${Buffer.from(input).toString('hex')}`);
          }
          rejected++;
        }
      }
    }
    const ms = Date.now() - started;
    // eslint-disable-next-line no-console
    console.log(`fuzz: ${totalInputs} inputs through ${decoders.length} decoders in ${ms} ms (${rejected} rejected with ProtocolError)`);
    expect(totalInputs).toBe(decoders.length * PER_DECODER);
  });

  it('every valid seed decodes', () => {
    for (const d of decoders) {
      // The fallback decoders get other versions' layouts on purpose.
      if (d.name.startsWith('ApiVersions fallback')) continue;
      for (const s of d.seeds) expect(() => d.decode(s)).not.toThrow();
    }
  });
});

describe('fuzz: impossible lengths are rejected before allocating', () => {
  it('an array count of 2^31-1 in a 20-byte frame', () => {
    const frame = new Uint8Array(20);
    new DataView(frame.buffer).setInt32(0, 0x7fffffff); // Metadata v0 brokers count
    expect(() => decodeMessage(MetadataResponseDef, 0, frame)).toThrow(/array length 2147483647 at offset 0 exceeds the 16 remaining bytes/);
    // Flexible: compact array count 2^32-2 as a 5-byte uvarint.
    const flex = new Uint8Array(20);
    flex.set([0xff, 0xff, 0xff, 0xff, 0x0f], 4);
    expect(() => decodeMessage(MetadataResponseDef, 9, flex)).toThrow(ProtocolError);
  });

  it('a bytes length of 2^31-1 and a tagged-field count of 2^32-1', () => {
    const r = new Reader(new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
    expect(() => r.bytes()).toThrow(ProtocolError);
    // ProduceResponse v9 with zero topics then a huge tag count.
    const bytes = new Uint8Array([0x01, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => decodeMessage(ProduceResponseDef, 9, bytes)).toThrow(/tagged field count/);
  });
});

describe('fuzz findings (npm run fuzz): regressions', () => {
  it('native snappy: a raw block whose preamble claims 512 MiB is rejected before snappy allocates it', async () => {
    const { getCodec } = await import('../../src/compression/index.js');
    const snappy = await getCodec('snappy', { implementation: 'native' }).catch(() => null);
    if (!snappy) return; // the optional package is not installed
    // xerial header, then one 6-byte block: preamble 2^29-1, a 1-byte literal tag and nothing else.
    const frame = new Uint8Array([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 6, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]);
    expect(() => snappy.decompress(frame)).toThrow(ProtocolError);
    expect(() => snappy.decompress(frame.subarray(20))).toThrow(/uncompressed length larger than possible/);
  });

  it('readRecordBatches: a corrupt compressed section and an unassigned codec id are ProtocolErrors', async () => {
    const { getCodec } = await import('../../src/compression/index.js');
    const { randomBatch } = await import('../helpers/fuzz-core.js');
    const { readRecordBatches, writeCrc } = await import('../../src/protocol/record-batch.js');
    const gzip = await getCodec('gzip');
    const batch = await randomBatch(new Rand(3), gzip);
    const hook = (_id: number, data: Uint8Array) => gzip.decompress(data) as Uint8Array;
    expect((await readRecordBatches(batch, hook)).length).toBe(1);
    const corrupt = batch.slice();
    corrupt[73] = corrupt[73]! ^ 0xff; // inside the deflate stream
    writeCrc(corrupt);
    const e = await readRecordBatches(corrupt, hook).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as Error).message).toMatch(/^RecordBatch at byte 0: records section \(codec 1\) does not decompress: /);
    expect((e as Error).cause).toBeInstanceOf(Error);
    const codec5 = batch.slice();
    new DataView(codec5.buffer).setInt16(21, 5);
    writeCrc(codec5);
    await expect(readRecordBatches(codec5, hook)).rejects.toThrow(/unknown compression codec 5/);
  });
});
