// The record values every benchmarked client sends: exactly what Java 4.4's ProducerPerformance
// sends with --record-size S --key-distribution range (its default --random-seed 0): S fresh
// random A-Z bytes per record, drawn from one java.util.SplittableRandom(0) (range keys draw no
// random numbers). kafka-wire's SplittableRandom is bit for bit Java's (src/cli/java-random.ts,
// tested against Java's own output), so Java generates these bytes itself and every other client
// reads them from one file written here: no client gets a repeated, better-compressing value.
import fs from 'node:fs';
import { SplittableRandom } from '../../dist/cli/java-random.js';

/** Yields `records` values of `size` bytes, in Java's order, as chunks of whole values. */
export function* javaValueChunks(size, records, chunkBytes = 1 << 20) {
  const random = new SplittableRandom(0);
  const perChunk = Math.max(1, Math.floor(chunkBytes / size));
  for (let i = 0; i < records; i += perChunk) {
    const n = Math.min(perChunk, records - i);
    const chunk = Buffer.allocUnsafe(n * size);
    for (let j = 0; j < chunk.length; j++) chunk[j] = random.nextIntBounded(26) + 65;
    yield chunk;
  }
}

/** Writes the values of `records` records of `size` bytes back to back into `file` (once). */
export async function writeValuesFile(file, size, records) {
  if (fs.existsSync(file) && fs.statSync(file).size === size * records) return file;
  const out = fs.createWriteStream(file);
  for (const chunk of javaValueChunks(size, records)) {
    if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r, j) => out.end((e) => (e ? j(e) : r())));
  return file;
}
