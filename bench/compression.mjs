#!/usr/bin/env node
// Compression ratio and codec cost per MB on producer-shaped data: 16 KiB record sections of
// JSON-like 200-byte records (what a batch.size=16384 batch carries), per codec and
// implementation. Run: npm run build && node bench/compression.mjs
import { RecordBatchBuilder } from '../dist/protocol/record-batch.js';
import { getCodec } from '../dist/compression/index.js';

const SECTIONS = 64;
const sections = [];
let seq = 0;
for (let s = 0; s < SECTIONS; s++) {
  const b = new RecordBatchBuilder(new Uint8Array(16384));
  for (;;) {
    const i = seq++;
    const value = JSON.stringify({ id: i, user: `user-${i % 997}`, type: ['click', 'view', 'buy'][i % 3], amount: (i * 37) % 1000 / 10, ts: 1700000000000 + i * 13, tags: ['a', 'b', 'c'].slice(0, i % 4) });
    if (!b.tryAppend(1700000000000 + i, `key-${i % 1000}`, value, null)) break;
  }
  b.close();
  sections.push(b.recordsSection().slice());
}
const totalIn = sections.reduce((a, s) => a + s.length, 0);
const MB = 1024 * 1024;
const rows = [];
for (const [name, impl] of [['gzip', 'auto'], ['snappy', 'pure'], ['snappy', 'native'], ['lz4', 'pure'], ['lz4', 'native'], ['zstd', 'native']]) {
  let codec;
  try {
    codec = await getCodec(name, { implementation: impl });
  } catch (e) {
    rows.push({ codec: name, impl, note: e.message });
    continue;
  }
  const outs = new Array(SECTIONS);
  let t = performance.now();
  for (let r = 0; r < 5; r++) for (let i = 0; i < SECTIONS; i++) outs[i] = await codec.compress(sections[i]);
  const cms = (performance.now() - t) / 5;
  const totalOut = outs.reduce((a, o) => a + o.length, 0);
  t = performance.now();
  for (let r = 0; r < 5; r++) for (const o of outs) await codec.decompress(o);
  const dms = (performance.now() - t) / 5;
  rows.push({ codec: name, impl: codec.implementation, ratio: (totalIn / totalOut).toFixed(2), 'compress ms/MB': (cms / (totalIn / MB)).toFixed(2), 'decompress ms/MB': (dms / (totalIn / MB)).toFixed(2) });
}
console.log(`${SECTIONS} record sections of ~16 KiB (${(totalIn / MB).toFixed(2)} MiB of JSON-like records)`);
console.table(rows);
