#!/usr/bin/env node
// Issue #15's worker-thread question, measured before building it: would moving the per-batch
// CPU work of the Sender — compression and the CRC32C of sealed batches — to a worker thread
// (batches handed over in a SharedArrayBuffer) pay on this machine, where the broker shares the
// two cores with the client?
//
// The same sealed record sections (64 KiB, batch.size of the equal-settings workloads, 100 B
// random A-Z records with keys "0".."999", as bench/run.mjs sends) are compressed with lz4
// (lz4-napi when installed, as the producer) and checksummed (the producer's CRC32C: native
// when @node-rs/crc32 is installed):
//   inline   on the main thread, as the producer does today;
//   worker   the main thread copies each section into a SharedArrayBuffer slot and signals a
//            worker (Atomics.notify); the worker compresses, checksums, writes the result back
//            and signals; the main thread collects it with Atomics.waitAsync. 8 slots in flight.
// Each mode runs with the second core idle and with it busy (a spinning process standing in for
// the broker, which in the real benchmark uses that core). Reported: batches/s, and the main
// thread's busy time per batch — what the producer's thread would have left for send() calls.
//
//   npm run build && node bench/worker-offload.mjs [--batches 3000] [--runs 5] [--compression lz4|none]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { getCodec } from '../dist/compression/index.js';
import { crc32c, crc32cImplementation } from '../dist/protocol/crc32c.js';
import { installNativeCrc32c } from '../dist/runtime/node/crc32c.js';

const SECTION = 65536;
const SLOTS = 8;
const OUT = SECTION + 1024; // lz4 of incompressible input grows a little
// Per slot: Int32 [state, inputLength, outputLength, crc]; state 0 free, 1 input ready, 2 output ready, 3 stop.
const STATE = 0;

async function compressorFor(name) {
  if (name === 'none') return (d) => d;
  const codec = await getCodec(name);
  return (d) => codec.compress(d, 9);
}

if (!isMainThread) {
  installNativeCrc32c();
  const { control, input, output, compression } = workerData;
  const ctl = new Int32Array(control);
  const compress = await compressorFor(compression);
  for (let slot = 0; ; slot = (slot + 1) % SLOTS) {
    const at = slot * 4;
    while (Atomics.load(ctl, at + STATE) !== 1) {
      if (Atomics.load(ctl, at + STATE) === 3) process.exit(0);
      Atomics.wait(ctl, at + STATE, Atomics.load(ctl, at + STATE), 50);
    }
    const len = ctl[at + 1];
    const src = new Uint8Array(input, slot * SECTION, len);
    const compressed = compress(src);
    const dst = new Uint8Array(output, slot * OUT, OUT);
    dst.set(compressed);
    ctl[at + 2] = compressed.length;
    ctl[at + 3] = crc32c(dst, 0, compressed.length) | 0;
    Atomics.store(ctl, at + STATE, 2);
    Atomics.notify(ctl, at + STATE);
  }
} else {
  const { values: flags } = parseArgs({ options: { batches: { type: 'string', default: '3000' }, runs: { type: 'string', default: '5' }, compression: { type: 'string', default: 'lz4' } } });
  const BATCHES = Number(flags.batches);
  const RUNS = Number(flags.runs);
  installNativeCrc32c();
  const compress = await compressorFor(flags.compression);

  // Record sections as the producer builds them: length-prefixed records of key "i % 1000" and a
  // 100 B random A-Z value (varint framing approximated by one length byte per field).
  const sections = Array.from({ length: 16 }, (_, s) => {
    const b = new Uint8Array(SECTION);
    let p = 0;
    for (let i = s * 600; p + 110 < SECTION; i++) {
      const key = String(i % 1000);
      b[p++] = key.length;
      for (let k = 0; k < key.length; k++) b[p++] = key.charCodeAt(k);
      b[p++] = 100;
      for (let k = 0; k < 100; k++) b[p++] = 65 + Math.floor(Math.random() * 26);
    }
    return b;
  });

  function inline() {
    const t0 = performance.now();
    let sink = 0;
    for (let i = 0; i < BATCHES; i++) {
      const c = compress(sections[i % sections.length]);
      sink ^= crc32c(c);
    }
    const ms = performance.now() - t0;
    if (sink === 0x12345) console.log('');
    return { ms, busyMs: ms };
  }

  async function viaWorker() {
    const control = new SharedArrayBuffer(SLOTS * 4 * 4);
    const input = new SharedArrayBuffer(SLOTS * SECTION);
    const output = new SharedArrayBuffer(SLOTS * OUT);
    const ctl = new Int32Array(control);
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { control, input, output, compression: flags.compression } });
    await new Promise((r) => setTimeout(r, 200)); // the worker loads its codec
    let busy = 0;
    let sink = 0;
    const t0 = performance.now();
    let sent = 0;
    let done = 0;
    const submit = (slot) => {
      const b0 = performance.now();
      const src = sections[sent % sections.length];
      new Uint8Array(input, slot * SECTION, SECTION).set(src);
      ctl[slot * 4 + 1] = src.length;
      Atomics.store(ctl, slot * 4 + STATE, 1);
      Atomics.notify(ctl, slot * 4 + STATE);
      sent++;
      busy += performance.now() - b0;
    };
    for (let s = 0; s < SLOTS && sent < BATCHES; s++) submit(s);
    for (let slot = 0; done < BATCHES; slot = (slot + 1) % SLOTS) {
      while (Atomics.load(ctl, slot * 4 + STATE) !== 2) {
        const w = Atomics.waitAsync(ctl, slot * 4 + STATE, Atomics.load(ctl, slot * 4 + STATE));
        if (w.async) await w.value;
      }
      const b0 = performance.now();
      sink ^= ctl[slot * 4 + 3]; // what the Sender would put in the request: the bytes are in `output`
      Atomics.store(ctl, slot * 4 + STATE, 0);
      done++;
      busy += performance.now() - b0;
      if (sent < BATCHES) submit(slot);
    }
    const ms = performance.now() - t0;
    for (let s = 0; s < SLOTS; s++) {
      Atomics.store(ctl, s * 4 + STATE, 3);
      Atomics.notify(ctl, s * 4 + STATE);
    }
    await worker.terminate();
    if (sink === 0x12345) console.log('');
    return { ms, busyMs: busy };
  }

  function spinner() {
    const child = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
    return () => child.kill('SIGKILL');
  }

  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const rows = [];
  inline();
  await viaWorker(); // warm up both
  for (const load of ['idle', 'busy']) {
    const stop = load === 'busy' ? spinner() : () => {};
    await new Promise((r) => setTimeout(r, 100));
    const r = { inline: [], worker: [] };
    for (let i = 0; i < RUNS; i++) {
      r.inline.push(inline());
      r.worker.push(await viaWorker());
    }
    stop();
    for (const mode of ['inline', 'worker']) {
      const ms = median(r[mode].map((x) => x.ms));
      const busyMs = median(r[mode].map((x) => x.busyMs));
      rows.push({ 'second core': load, mode, 'batches/s': Math.round((BATCHES / ms) * 1000), 'main-thread µs per batch': ((busyMs * 1000) / BATCHES).toFixed(1) });
    }
  }
  console.log(`${BATCHES} sections of 64 KiB, ${flags.compression}, CRC32C ${crc32cImplementation()}, medians of ${RUNS} interleaved runs`);
  console.table(rows);
}
