/** Reading the golden fixtures (fixtures/manifest.json, produced by Kafka's Java code). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordBatchBuilder, setProducerState, withCompressedRecords } from '../../src/protocol/record-batch.js';
import { getCodec, compressionIdOf, isSyncCodec } from '../../src/compression/index.js';

export const FIXTURES_DIR = join(import.meta.dirname, '..', '..', 'fixtures');

export interface ManifestEntry {
  api: string;
  apiKey?: number;
  version?: number;
  direction: string;
  file: string;
  source: string;
  variant?: string;
  inputs: Record<string, unknown>;
  decoded?: Record<string, unknown>;
}

export function manifest(): ManifestEntry[] {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, 'manifest.json'), 'utf8')) as ManifestEntry[];
}

export function fixtureBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES_DIR, file)));
}

export const b64 = (s: string | null): Uint8Array | null => (s === null ? null : new Uint8Array(Buffer.from(s, 'base64')));

export interface BatchInputs {
  baseOffset: string;
  partitionLeaderEpoch: number;
  compression: string;
  timestampType: 'CreateTime' | 'LogAppendTime';
  logAppendTime: string;
  producerId: string;
  producerEpoch: number;
  baseSequence: number;
  isTransactional: boolean;
  records: { offsetDelta: number; timestamp: string; key: string | null; value: string | null; headers: [string, string | null][] }[];
}

/** Encodes a batch from manifest inputs with our RecordBatchBuilder (and our codecs). */
export async function encodeBatch(inputs: BatchInputs): Promise<Uint8Array> {
  const compression = compressionIdOf(inputs.compression);
  const builder = new RecordBatchBuilder(new Uint8Array(1 << 20), {
    compression,
    transactional: inputs.isTransactional,
    partitionLeaderEpoch: inputs.partitionLeaderEpoch,
    baseOffset: BigInt(inputs.baseOffset),
    ...(inputs.timestampType === 'LogAppendTime' ? { logAppendTime: Number(inputs.logAppendTime) } : {}),
  });
  for (const r of inputs.records) {
    if (!builder.tryAppend(Number(r.timestamp), b64(r.key), b64(r.value), r.headers.map(([k, v]) => [k, b64(v)] as const))) {
      throw new Error('fixture batch does not fit');
    }
  }
  let bytes: Uint8Array = builder.close().slice();
  if (compression !== 0) {
    const codec = await getCodec(compression);
    const compressed = isSyncCodec(codec) ? codec.compress(builder.recordsSection()) : await codec.compress(builder.recordsSection());
    bytes = withCompressedRecords(bytes, compressed);
  }
  if (BigInt(inputs.producerId) !== -1n || inputs.baseSequence !== -1) {
    setProducerState(bytes, BigInt(inputs.producerId), inputs.producerEpoch, inputs.baseSequence);
  }
  return bytes;
}

export async function decompress(codecId: number, data: Uint8Array): Promise<Uint8Array> {
  const codec = await getCodec(codecId);
  return codec.decompress(data);
}
