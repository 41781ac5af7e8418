#!/usr/bin/env node
// Writes the record batches kafka-wire's encoder produces for every compressed fixture input to
// fixtures/ours/NAME.bin (+ NAME.json, the expected content), then has Java's MemoryRecords decode
// and CRC-check them: fixtures/ours/verify.json. Run by `npm run fixtures` after the Java fixtures.
// Needs `npm run build` first (it imports dist/).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordBatchBuilder, setProducerState, withCompressedRecords } from '../dist/protocol/record-batch.js';
import { compressionIdOf, getCodec } from '../dist/compression/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OURS = join(ROOT, 'fixtures', 'ours');
const b64 = (s) => (s === null ? null : new Uint8Array(Buffer.from(s, 'base64')));

mkdirSync(OURS, { recursive: true });
const manifest = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'manifest.json'), 'utf8'));
for (const entry of manifest.filter((e) => e.api === 'RecordBatch' && e.inputs.compression !== 'none')) {
  const inputs = entry.inputs;
  const compression = compressionIdOf(inputs.compression);
  const builder = new RecordBatchBuilder(new Uint8Array(1 << 20), {
    compression, transactional: inputs.isTransactional, partitionLeaderEpoch: inputs.partitionLeaderEpoch, baseOffset: BigInt(inputs.baseOffset),
  });
  for (const r of inputs.records) builder.tryAppend(Number(r.timestamp), b64(r.key), b64(r.value), r.headers.map(([k, v]) => [k, b64(v)]));
  const closed = builder.close().slice();
  const codec = await getCodec(compression);
  const bytes = withCompressedRecords(closed, await codec.compress(builder.recordsSection()));
  if (BigInt(inputs.producerId) !== -1n || inputs.baseSequence !== -1) setProducerState(bytes, BigInt(inputs.producerId), inputs.producerEpoch, inputs.baseSequence);
  const name = entry.file.replace(/^records\//, '').replace(/\.bin$/, '');
  writeFileSync(join(OURS, `${name}.bin`), bytes);
  writeFileSync(join(OURS, `${name}.json`), `${JSON.stringify(inputs, null, 2)}\n`);
}
const r = spawnSync(process.execPath, [join(ROOT, 'tools', 'fixtures.mjs'), 'verify', OURS, '--out', join(OURS, 'verify.json')], { stdio: 'inherit' });
process.exit(r.status ?? 1);
