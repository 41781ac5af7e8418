/**
 * The fuzz run itself (started by tools/fuzz.mjs under vite-node, with a capped heap): every
 * decoder of test/helpers/fuzz-core.ts gets an equal share of `--inputs`, each from its own
 * seeded generator (so `--only NAME --seed S` replays one decoder's inputs exactly).
 *
 * Watched, besides the failure kind of every throw:
 *   - allocations: `new Uint8Array/ArrayBuffer/Array(n)` made while decoding an input are
 *     checked against that input's size; one larger than the decoder could need (16 MiB and
 *     1100x the input for bytes, the input's length + 64 for arrays) is an "alloc" finding,
 *     even if it succeeded (untouched memory does not show in RSS);
 *   - outputs: a decoded Uint8Array beyond the same bound (native codecs allocate in C);
 *   - time: an input taking more than a second is a "slow" finding (a hang stops the progress
 *     lines, and tools/fuzz.mjs kills the run and names the decoder);
 *   - memory: RSS, heap and ArrayBuffer peaks sampled every 16384 inputs.
 *
 * Output: progress lines on stdout, findings as they happen, and a last line
 * `FUZZ-RESULT {json}` for tools/fuzz.mjs.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Rand, allDecoders, failureKind, isAcceptedFailure, mutate, type Decoder } from '../../test/helpers/fuzz-core.js';

const { values: args } = parseArgs({
  options: {
    inputs: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
    only: { type: 'string' },
    'progress-ms': { type: 'string', default: '5000' },
    'max-examples': { type: 'string', default: '3' },
  },
  allowPositionals: true,
});
const total = Number(args.inputs);
const seed = Number(args.seed) >>> 0;
const progressMs = Number(args['progress-ms']);
const maxExamples = Number(args['max-examples']);
if (!Number.isSafeInteger(total) || total <= 0) throw new Error(`--inputs must be a positive integer, got ${args.inputs}`);

// ---------------------------------------------------------------------------------------------
// Allocation guard: wraps the global constructors the decoders allocate with. `instanceof` and
// static methods behave as before (a Proxy forwards them to the real constructor).

let inputLength = 0;
let guarding = false;
interface Finding {
  kind: string;
  decoder: string;
  message: string;
  input: string;
}
const findings: Finding[] = [];
const findingCounts: Record<string, number> = {};
let currentDecoder = '';
let currentInput: Uint8Array = new Uint8Array(0);
const examplesPer = new Map<string, number>();

function hex(b: Uint8Array): string {
  const h = Buffer.from(b.buffer, b.byteOffset, Math.min(b.byteLength, 2048)).toString('hex');
  return b.byteLength > 2048 ? `${h}... (${b.byteLength} bytes)` : h;
}

function record(kind: string, message: string): void {
  findingCounts[kind] = (findingCounts[kind] ?? 0) + 1;
  const key = `${currentDecoder}/${kind}`;
  const n = examplesPer.get(key) ?? 0;
  examplesPer.set(key, n + 1);
  if (n >= maxExamples) return;
  const f = { kind, decoder: currentDecoder, message, input: hex(currentInput) };
  findings.push(f);
  console.log(`[fuzz] FINDING ${kind} in ${f.decoder}: ${message}\n[fuzz]   input (${currentInput.length} bytes): ${f.input}`);
}

const byteLimit = () => Math.max(16 * 1024 * 1024, 1100 * inputLength);

function checkBytes(n: unknown, what: string): void {
  if (guarding && typeof n === 'number' && n > byteLimit()) {
    guarding = false; // the report itself must not recurse
    record('alloc', `new ${what}(${n}) while decoding a ${inputLength}-byte input`);
    guarding = true;
  }
}

function guard<T extends abstract new (...a: never[]) => unknown>(ctor: T, what: string, bytesPer: number, array = false): T {
  return new Proxy(ctor, {
    construct(target, argv, newTarget) {
      const n = argv[0];
      if (guarding && typeof n === 'number') {
        if (array ? n > inputLength + 64 : false) {
          guarding = false;
          record('alloc', `new ${what}(${n}) while decoding a ${inputLength}-byte input`);
          guarding = true;
        } else if (!array) checkBytes(n * bytesPer, what);
      }
      return Reflect.construct(target as never, argv, newTarget) as object;
    },
    apply(target, self, argv) {
      // Array(n) without `new` allocates too.
      const n = argv[0];
      if (array && guarding && typeof n === 'number' && argv.length === 1 && n > inputLength + 64) {
        guarding = false;
        record('alloc', `${what}(${n}) while decoding a ${inputLength}-byte input`);
        guarding = true;
      }
      return Reflect.apply(target as never, self, argv) as unknown;
    },
  });
}

const g = globalThis as unknown as Record<string, unknown>;
g.Uint8Array = guard(Uint8Array, 'Uint8Array', 1);
g.ArrayBuffer = guard(ArrayBuffer, 'ArrayBuffer', 1);
g.Array = guard(Array, 'Array', 8, true);

// ---------------------------------------------------------------------------------------------

const MiB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;
const peaks = { rss: 0, heapUsed: 0, arrayBuffers: 0 };
function sampleMemory(): NodeJS.MemoryUsage {
  const m = process.memoryUsage();
  peaks.rss = Math.max(peaks.rss, m.rss);
  peaks.heapUsed = Math.max(peaks.heapUsed, m.heapUsed);
  peaks.arrayBuffers = Math.max(peaks.arrayBuffers, m.arrayBuffers);
  if (m.rss > 1024 * MiB) record('rss', `RSS ${(m.rss / MiB).toFixed(0)} MiB`);
  return m;
}

/** A per-decoder seed, so each decoder's inputs do not depend on the others. */
function decoderSeed(name: string): number {
  let h = seed ^ 0x9e3779b9;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const fmt = (n: number) => n.toLocaleString('en-US');

async function main(): Promise<void> {
  const t0 = performance.now();
  const built = await allDecoders(new Rand(seed));
  let decoders: Decoder[] = built.decoders;
  if (args.only) {
    const re = new RegExp(args.only);
    decoders = decoders.filter((d) => re.test(d.name));
    if (decoders.length === 0) throw new Error(`--only ${args.only} matches no decoder`);
  }
  for (const m of built.missingCodecs) console.log(`[fuzz] codec not available, not fuzzed: ${m}`);
  const groups = new Map<string, number>();
  for (const d of decoders) groups.set(d.group, (groups.get(d.group) ?? 0) + 1);
  console.log(
    `[fuzz] ${decoders.length} decoders (${[...groups].map(([k, v]) => `${k} ${v}`).join(', ')}), ${fmt(total)} inputs, seed ${seed}, heap limit ${(
      (await import('node:v8')).getHeapStatistics().heap_size_limit / MiB
    ).toFixed(0)} MiB`,
  );
  const base = sampleMemory();
  console.log(`[fuzz] baseline before fuzzing: RSS ${(base.rss / MiB).toFixed(0)} MiB, heap ${(base.heapUsed / MiB).toFixed(0)} MiB (vite-node and the seeds included)`);

  // Every valid seed must decode (a decoder that rejects its own seeds fuzzes nothing).
  for (const d of decoders) {
    if (d.name.startsWith('ApiVersions fallback')) continue; // fed other versions' layouts on purpose
    for (const s of d.seeds) {
      try {
        await d.decode(s);
      } catch (e) {
        console.log(`[fuzz] WARNING ${d.name} rejects one of its own seeds: ${failureKind(e)}: ${(e as Error).message}`);
      }
    }
  }

  const tStart = performance.now();
  let done = 0;
  let rejected = 0;
  let lastProgress = tStart;
  let slowest = { ms: 0, decoder: '' };
  const perDecoderMs: { name: string; ms: number; n: number }[] = [];
  for (let di = 0; di < decoders.length; di++) {
    const d = decoders[di]!;
    currentDecoder = d.name;
    const quota = Math.floor(total / decoders.length) + (di < total % decoders.length ? 1 : 0);
    const rand = new Rand(decoderSeed(d.name));
    const derive = d.derive ?? mutate;
    const collect = d.group === 'compression' || d.group === 'record-batch' ? gc : undefined;
    const td = performance.now();
    for (let i = 0; i < quota; i++) {
      const input = derive(rand, rand.pick(d.seeds));
      currentInput = input;
      inputLength = input.length;
      const ts = performance.now();
      guarding = true;
      try {
        let out = d.decode(input);
        if (out !== null && typeof out === 'object' && typeof (out as Promise<unknown>).then === 'function') out = await out;
        if (out instanceof Uint8Array && out.length > byteLimit()) record('alloc', `decoded ${out.length} bytes from a ${inputLength}-byte input`);
      } catch (e) {
        guarding = false;
        if (isAcceptedFailure(d, e)) rejected++;
        else record(failureKind(e), `${(e as Error)?.message ?? String(e)}`.split('\n')[0]!.slice(0, 300));
      }
      guarding = false;
      const te = performance.now();
      if (te - ts > slowest.ms) slowest = { ms: te - ts, decoder: d.name };
      if (te - ts > 1000) record('slow', `one input took ${(te - ts).toFixed(0)} ms`);
      done++;
      // node:zlib allocates a 16 KiB output buffer per call (outside V8's heap); without a
      // collection now and then that garbage, not anything a decoder keeps, sets the peak RSS.
      if (collect && (i & 0x3ff) === 0x3ff) collect();
      if ((done & 0x3fff) === 0) {
        sampleMemory();
        if (te - lastProgress >= progressMs) {
          lastProgress = te;
          const rate = done / ((te - tStart) / 1000);
          const crashes = Object.values(findingCounts).reduce((a, b) => a + b, 0);
          console.log(
            `[fuzz] ${fmt(done)}/${fmt(total)} inputs (${((100 * done) / total).toFixed(1)}%) ${fmt(Math.round(rate))}/s, ` +
              `decoder ${di + 1}/${decoders.length} ${d.name}, RSS ${(process.memoryUsage.rss() / MiB).toFixed(0)} MiB (peak ${(peaks.rss / MiB).toFixed(0)}), ` +
              `heap peak ${(peaks.heapUsed / MiB).toFixed(0)} MiB, findings ${crashes}`,
          );
        }
      }
    }
    perDecoderMs.push({ name: d.name, ms: performance.now() - td, n: quota });
  }
  sampleMemory();
  const seconds = (performance.now() - tStart) / 1000;
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  const slowestDecoders = perDecoderMs
    .sort((a, b) => b.ms / b.n - a.ms / a.n)
    .slice(0, 5)
    .map((x) => `${x.name} ${((1000 * x.ms) / x.n).toFixed(1)} us/input`);
  console.log(`[fuzz] slowest decoders per input: ${slowestDecoders.join('; ')}`);
  console.log(`[fuzz] slowest single input: ${slowest.ms.toFixed(1)} ms (${slowest.decoder})`);
  const result = {
    inputs: done,
    decoders: decoders.length,
    groups: Object.fromEntries(groups),
    seed,
    seconds,
    setupSeconds: (tStart - t0) / 1000,
    rejected,
    findings: findingCounts,
    examples: findings,
    peakRssMiB: maxRssMiB,
    peakHeapUsedMiB: peaks.heapUsed / MiB,
    peakArrayBuffersMiB: peaks.arrayBuffers / MiB,
    baselineRssMiB: base.rss / MiB,
    missingCodecs: built.missingCodecs,
  };
  console.log(`FUZZ-RESULT ${JSON.stringify(result)}`);
}

await main();
process.exit(0);
