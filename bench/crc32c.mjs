// CRC32C speed: our slicing-by-16 (dist/protocol/crc32c.js) against the `crc-32` package's
// crc32c, on 16 KiB and 1 MiB buffers. Run: npm run build && node bench/crc32c.mjs
import { createRequire } from 'node:module';
import { crc32c } from '../dist/protocol/crc32c.js';

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
for (const size of [16 * 1024, 1024 * 1024]) {
  const buf = new Uint8Array(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 2654435761) >>> 24;
  if ((CRC32C.buf(buf) >>> 0) !== crc32c(buf)) throw new Error('implementations disagree');
  const ours = [], theirs = [];
  for (let run = 0; run < 5; run++) { // interleaved runs, medians reported
    ours.push(measure((b) => crc32c(b), buf));
    theirs.push(measure((b) => CRC32C.buf(b), buf));
  }
  rows.push({ size: size >= 1048576 ? '1 MiB' : '16 KiB', 'kafka-wire MiB/s': median(ours).toFixed(0), 'crc-32 MiB/s': median(theirs).toFixed(0), ratio: (median(ours) / median(theirs)).toFixed(2) });
}
console.table(rows);
