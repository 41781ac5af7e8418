// CRC32C speed: our slicing-by-16 (dist/protocol/crc32c.js, crc32cTable) against the `crc-32`
// package's crc32c and the optional native accelerator (@node-rs/crc32, through the adapter the
// Node runtime installs: dist/runtime/node/crc32c.js), on 1 KiB, 16 KiB and 1 MiB buffers.
// Run: npm run build && node bench/crc32c.mjs
import { createRequire } from 'node:module';
import { crc32c, crc32cImplementation, crc32cTable } from '../dist/protocol/crc32c.js';
import { installNativeCrc32c } from '../dist/runtime/node/crc32c.js';

const require = createRequire(import.meta.url);
const CRC32C = require('crc-32/crc32c');

function measure(fn, buf, minMs = 400) {
  let iters = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    for (let k = 0; k < 16; k++) fn(buf);
    iters += 16;
    t = performance.now();
  }
  return (buf.length * iters) / ((t - t0) / 1000) / (1024 * 1024); // MiB/s
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
const native = installNativeCrc32c();
// crc32c() dispatches to the accelerator when one is installed; crc32cTable is always ours.
const accelerated = native ? (b) => crc32c(b) : null;
for (const size of [1024, 16 * 1024, 1024 * 1024]) {
  const buf = new Uint8Array(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 2654435761) >>> 24;
  if ((CRC32C.buf(buf) >>> 0) !== crc32cTable(buf) || (native && crc32c(buf) !== crc32cTable(buf))) throw new Error('implementations disagree');
  const ours = [], theirs = [], nat = [];
  for (let run = 0; run < 5; run++) { // interleaved runs, medians reported
    ours.push(measure((b) => crc32cTable(b), buf));
    theirs.push(measure((b) => CRC32C.buf(b), buf));
    if (accelerated) nat.push(measure(accelerated, buf));
  }
  rows.push({
    size: size >= 1048576 ? '1 MiB' : `${size / 1024} KiB`,
    'kafka-wire TS MiB/s': median(ours).toFixed(0),
    'crc-32 MiB/s': median(theirs).toFixed(0),
    'TS / crc-32': (median(ours) / median(theirs)).toFixed(2),
    [`${crc32cImplementation()} MiB/s`]: accelerated ? median(nat).toFixed(0) : 'not installed',
    'native / TS': accelerated ? (median(nat) / median(ours)).toFixed(2) : '',
  });
}
console.table(rows);
