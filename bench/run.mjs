#!/usr/bin/env node
// `npm run bench`: kafka-wire against Apache Kafka's Java producer, librdkafka (kcat and
// confluent-kafka), KafkaJS and @platformatic/kafka, on one embedded broker, in one run.
//
//   npm run bench                              full run: 1,000,000 x 100 B (none, lz4) and 10,000 x 10 KB, 3 runs
//   npm run bench -- --quick                   smoke check: 100,000 records, 1 run, short latency runs
//   npm run bench -- --records 300000 --runs 5 --clients kafka-wire:callback,java --workloads 100B-lz4
//   npm run bench -- --workloads 100B-none-eq,100B-lz4-eq,10KB-none-eq --out bench/results/equal-settings
//   KAFKA_BOOTSTRAP=127.0.0.1:9092 npm run bench     reuse a running Kafka instead of starting one
//
// Flags: --records N (env BENCH_RECORDS; the 10 KB workload uses N/100), --runs N (env
// BENCH_RUNS), --clients id,... , --workloads id,... , --partitions P (3), --slow-records N
// (per-record KafkaJS/@platformatic, default N/10), --latency-seconds S (15), --no-latency,
// --no-profile, --no-encode, --no-flood, --bootstrap HOST:PORT, --keep-broker, --timeout-min M (20),
// --out DIR (bench/results), --report-only (re-render DIR's latest.md/svg from its latest.json).
// Workloads: 100B-none, 100B-lz4, 10KB-none, 100B-txn (each client at its own defaults) and
// 100B-none-eq, 100B-lz4-eq, 10KB-none-eq (the same records, every client with batch.size=65536
// and linger.ms=5 where it has them; reported in their own section, with kafka-wire against kcat).
// Results: DIR/latest.{md,svg,json} (+ raw/ copies, git-ignored). See bench/README.md.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureKcat } from '../tools/broker/index.mjs';
import { Topics, ensureBroker, kafkaVersionFromClasspath } from './lib/broker.mjs';
import { BENCH_DIR, CLIENTS, REPO_ROOT, VENV_PYTHON, WORKLOADS, tailText } from './lib/clients.mjs';
import { summarizeCpuProfile } from './lib/cpuprofile.mjs';
import { measure, median } from './lib/proc.mjs';
import { markdown, summarize, svg } from './lib/report.mjs';
import { javaValueChunks, writeValuesFile } from './lib/values.mjs';

const argv = process.argv.slice(2);
const { values: flags } = parseArgs({
  args: argv,
  options: {
    quick: { type: 'boolean', default: false },
    records: { type: 'string' },
    runs: { type: 'string' },
    clients: { type: 'string' },
    workloads: { type: 'string' },
    partitions: { type: 'string', default: '3' },
    keys: { type: 'string', default: '1000' },
    'slow-records': { type: 'string' },
    'latency-seconds': { type: 'string' },
    'no-latency': { type: 'boolean', default: false },
    'no-profile': { type: 'boolean', default: false },
    'no-encode': { type: 'boolean', default: false },
    'no-flood': { type: 'boolean', default: false },
    bootstrap: { type: 'string' },
    'keep-broker': { type: 'boolean', default: false },
    'report-only': { type: 'boolean', default: false },
    'timeout-min': { type: 'string', default: '20' },
    out: { type: 'string', default: path.join(BENCH_DIR, 'results') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log(fs.readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
  process.exit(0);
}

if (flags['report-only']) {
  // Re-render latest.md / latest.svg from latest.json (after editing bench/lib/report.mjs).
  const results = JSON.parse(fs.readFileSync(path.join(flags.out, 'latest.json'), 'utf8'));
  fs.writeFileSync(path.join(flags.out, 'latest.md'), markdown(results, CLIENTS));
  fs.writeFileSync(path.join(flags.out, 'latest.svg'), svg(results, CLIENTS));
  process.exit(0);
}

const quick = flags.quick;
const records = Number(flags.records ?? process.env.BENCH_RECORDS ?? (quick ? 100_000 : 1_000_000));
const runs = Number(flags.runs ?? process.env.BENCH_RUNS ?? (quick ? 1 : 3));
const latencySeconds = Number(flags['latency-seconds'] ?? (quick ? 4 : 15));
const partitions = Number(flags.partitions);
const keys = Number(flags.keys);
const slowRecords = Number(flags['slow-records'] ?? Math.ceil(records / 10));
const timeoutMs = Number(flags['timeout-min']) * 60_000;
if (!(records > 0) || !(runs > 0)) throw new Error('--records and --runs must be positive');

const log = (m) => process.stderr.write(`[bench] ${m}\n`);
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d }) : String(x));

// --- clients: setup and selection ------------------------------------------------------------

function ensureVenv() {
  if (fs.existsSync(VENV_PYTHON)) return true;
  log('setting up bench/.venv with confluent-kafka (pip; one time)');
  const py = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
  if (!py) return false;
  const venv = path.join(BENCH_DIR, '.venv');
  if (spawnSync(py, ['-m', 'venv', venv], { stdio: 'inherit' }).status !== 0) return false;
  const pip = spawnSync(path.join(venv, 'bin', 'pip'), ['install', '-q', 'confluent-kafka==2.16.1'], { stdio: 'inherit' });
  if (pip.status !== 0) {
    fs.rmSync(venv, { recursive: true, force: true });
    return false;
  }
  return true;
}

const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const wanted = flags.clients ? new Set(flags.clients.split(',')) : null;
const skipped = [];
// kcat (librdkafka) is what the equal-settings targets are measured against: on a fresh machine
// it is installed with apt-get when running as root, as the test setup installs librdkafka-dev.
const kcatMissing = wanted && !wanted.has('kcat') ? null : await ensureKcat({ log });
const clients = CLIENTS.filter((c) => {
  if (wanted && !wanted.has(c.id)) return false;
  if (c.id === 'kcat' && kcatMissing !== null) return skipped.push(`kcat: ${kcatMissing}`), false;
  if (c.id === 'java' && !have('java')) return skipped.push('java: not installed'), false;
  if (c.id === 'confluent-kafka' && !ensureVenv()) return skipped.push('confluent-kafka: pip install failed'), false;
  return true;
});
/** Every selected client; each workload runs the ones that fit it (the transactional one: those with `transactional`). */
const allClients = clients;
if (wanted) for (const id of wanted) if (!CLIENTS.some((c) => c.id === id)) throw new Error(`unknown client ${id}; known: ${CLIENTS.map((c) => c.id).join(', ')}`);
const workloads = (flags.workloads ? flags.workloads.split(',') : Object.keys(WORKLOADS)).map((id) => {
  const w = WORKLOADS[id];
  if (!w) throw new Error(`unknown workload ${id}; known: ${Object.keys(WORKLOADS).join(', ')}`);
  return { ...w, records: Math.max(1, Math.round(records * w.scale)) };
});

// --- environment -----------------------------------------------------------------------------

function cmdOut(cmd, args) {
  try {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return `${r.stdout}${r.stderr}`.trim();
  } catch {
    return '';
  }
}

function pkgVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}

function versions(classpathArgFile) {
  const k = kafkaVersionFromClasspath(classpathArgFile);
  let commit = '';
  try {
    commit = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim();
    if (dirty) commit += ' + uncommitted src changes';
  } catch {}
  const kw = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version;
  const kcat = /Version (\S+).*librdkafka (\S+)/s.exec(cmdOut('kcat', ['-V']));
  const ck = fs.existsSync(VENV_PYTHON)
    ? cmdOut(VENV_PYTHON, ['-c', 'import confluent_kafka as c, sys; print(c.version()[0] if isinstance(c.version(), tuple) else c.version(), c.libversion()[0], sys.version.split()[0])']).split(/\s+/)
    : null;
  const java = cmdOut('java', ['-version']).split('\n')[0];
  return {
    kafka: k.broker,
    clients: {
      'kafka-wire': `${kw} (${commit || 'no git'}), Node ${process.version}; lz4 via lz4-napi ${pkgVersion('lz4-napi')}`,
      'Java producer': `kafka-clients ${k.clients ?? '?'} via org.apache.kafka.tools.ProducerPerformance (kafka-tools ${k.tools ?? '?'}), ${java}, -Xmx512M G1 (kafka-producer-perf-test.sh's settings)`,
      kcat: kcat ? `${kcat[1]} (Debian), librdkafka ${kcat[2]}` : 'not installed',
      'confluent-kafka': ck ? `${ck[0]} (PyPI wheel, bundled librdkafka ${ck[1]}), Python ${ck[2]}` : 'not installed',
      KafkaJS: `${pkgVersion('kafkajs')} (lz4: codec around lz4-napi's frame encoder)`,
      '@platformatic/kafka': `${pkgVersion('@platformatic/kafka')} (newest that runs on Node 20; 2.x requires Node >= 22.22)`,
    },
  };
}

function machine() {
  const cpus = os.cpus();
  return {
    nproc: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? '?',
    memGiB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadStart: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    loadEnd: '',
    shared: true,
  };
}

// --- kcat input ------------------------------------------------------------------------------

async function kcatInput(dir, w) {
  const file = path.join(dir, `${w.base ?? w.id}-${w.records}.txt`); // an -eq workload shares its base's
  if (fs.existsSync(file)) return file;
  // The same values as every other client (bench/lib/values.mjs), one "key<TAB>value" line each.
  const out = fs.createWriteStream(file);
  let j = 0;
  for (const chunk of javaValueChunks(w.size, w.records)) {
    let s = '';
    for (let off = 0; off < chunk.length; off += w.size, j++) s += `${j % keys}\t${chunk.toString('latin1', off, off + w.size)}\n`;
    if (!out.write(s)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r, j) => out.end((e) => (e ? j(e) : r())));
  return file;
}

// --- one run ---------------------------------------------------------------------------------

async function runOne(ctx, w, c, run, { rate = 0, count, warmup = 0 } = {}) {
  const n = count ?? (c.slow ? Math.min(w.records, Math.max(1, Math.round(slowRecords * w.scale))) : w.records);
  const topic = await ctx.topics.create(`${w.id}-${c.id}`, partitions);
  const spec = c.start({
    bootstrap: ctx.bootstrap,
    topic,
    records: n,
    size: w.size,
    keys,
    compression: w.compression,
    transactional: w.transactional ?? false,
    transactionDurationMs: w.transactionDurationMs,
    rate,
    warmup,
    javaClasspathArgFile: ctx.classpathArgFile,
    kcatInput: ctx.kcatInputs.get(w.id),
    values: ctx.valuesFiles.get(w.id),
    batchSize: w.equal?.batchSize,
  });
  const res = await measure(spec.cmd, spec.args, { stdinFile: spec.stdinFile, env: spec.env, cwd: REPO_ROOT, timeoutMs });
  const row = { client: c.id, run, rate, records: n, cpuS: res.cpuUser + res.cpuSys, cpuUser: res.cpuUser, cpuSys: res.cpuSys, rssKb: res.maxRssKb, wallS: res.wallS };
  if (w.equal) row.argv = [path.basename(spec.cmd), ...spec.args]; // shows the settings each client was given
  try {
    if (res.timedOut) throw new Error(`timed out after ${timeoutMs / 60_000} min`);
    const p = c.parse(res);
    Object.assign(row, { elapsedMs: p.elapsedMs, p50: p.p50, p99: p.p99, p999: p.p999, failed: p.failed });
    if (Number.isFinite(p.batchSizeAvg)) Object.assign(row, { batchSizeAvg: p.batchSizeAvg, batchSizeMax: p.batchSizeMax });
    if (Number.isFinite(p.records)) row.records = p.records;
    if (p.failed > 0) throw new Error(`${p.failed} records failed: ${p.error}`);
  } catch (e) {
    row.error = e instanceof Error ? e.message : String(e);
  }
  try {
    row.count = await ctx.topics.count(topic);
    // High watermarks count a transaction's commit markers too (one per partition it wrote).
    row.verified = w.transactional ? row.count >= n : row.count === n;
    if (!row.verified && !row.error) row.error = `broker holds ${row.count} records, ${n} were sent`;
  } catch (e) {
    row.verified = false;
  }
  await ctx.topics.delete(topic);
  const rps = row.records / (row.elapsedMs / 1000);
  const what = rate > 0 ? `p50 ${fmt(row.p50, 1)} ms p99 ${fmt(row.p99, 1)} ms @ ${fmt(rate)}/s` : `${fmt(rps)} rec/s`;
  log(`${w.id} ${rate > 0 ? 'latency' : 'throughput'} run ${run}/${runs} ${c.id}: ${row.error ? `ERROR ${row.error.split('\n')[0]}` : what}, cpu ${row.cpuS.toFixed(2)} s, rss ${fmt(row.rssKb / 1024)} MB${row.verified ? ' ✓' : ''}`);
  if (row.error && process.env.BENCH_VERBOSE) log(tailText(res.stderr));
  return row;
}

// --- main ------------------------------------------------------------------------------------

async function main() {
  const startedAt = new Date().toISOString();
  const m = machine();
  const broker = await ensureBroker({ bootstrap: flags.bootstrap ?? process.env.KAFKA_BOOTSTRAP, log });
  log(`broker ${broker.bootstrap}${broker.started ? ' (started for this run)' : ''}`);
  const topics = new Topics(broker.bootstrap);
  await topics.connect();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-wire-bench-'));
  const ctx = { bootstrap: broker.bootstrap, topics, classpathArgFile: broker.classpathArgFile, kcatInputs: new Map(), valuesFiles: new Map() };
  const results = {
    startedAt,
    finishedAt: '',
    options: {
      argv,
      quick,
      records,
      runs,
      partitions,
      keys,
      latencySeconds,
      slowRecords,
      out: path.relative(REPO_ROOT, path.resolve(flags.out)) || '.',
      slowRecordsNote: `${fmt(slowRecords)} records per run (a tenth of the others${flags['slow-records'] ? ', --slow-records' : ''}; 10 KB workload: a hundredth of that)`,
      clients: clients.map((c) => c.id),
      skipped,
    },
    machine: m,
    versions: versions(broker.classpathArgFile),
    notes: {
      platformatic:
        '1.35.0 advances its idempotent sequence numbers only when a Produce response arrives, so concurrent sends reuse sequence numbers: the broker discards them as duplicates while the client reports success (10 concurrent sends -> 3 records stored, seen on this broker). Its runs use acks=all without idempotence.',
    },
    workloads: [],
  };
  try {
    for (const w of workloads) {
      const clients = allClients.filter((c) => (w.transactional ? c.transactional : !c.onlyTransactional));
      if (clients.length === 0) continue;
      if (clients.some((c) => c.id === 'kcat')) ctx.kcatInputs.set(w.id, await kcatInput(tmp, w));
      ctx.valuesFiles.set(w.id, await writeValuesFile(path.join(tmp, `${w.base ?? w.id}-${w.records}.values`), w.size, w.records)); // written once per base workload
      const wr = { ...w, throughputRuns: [], latencyRuns: [] };
      results.workloads.push(wr);
      // Warm the broker up for this workload (JIT, log segments) with an unrecorded run.
      const warm = clients.find((c) => c.id === 'kcat') ?? clients.find((c) => !c.slow) ?? clients[0];
      if (warm) await runOne(ctx, w, warm, 0, { count: warm.id === 'kcat' ? w.records : Math.min(w.records, 100_000) });
      for (let r = 1; r <= runs; r++) for (const c of clients) wr.throughputRuns.push(await runOne(ctx, w, c, r));

      const rows = summarize(wr, clients).filter((x) => Number.isFinite(x.rps) && x.rps > 0);
      const latClients = clients.filter((c) => c.latency);
      if (!flags['no-latency'] && rows.length > 0 && latClients.length > 0) {
        const slowest = rows.reduce((a, b) => (b.rps < a.rps ? b : a));
        wr.slowest = slowest.label;
        wr.latencyRate = Math.max(1, Math.floor(slowest.rps / 2));
        // 2 s of warm-up records first (connection, producer id, JIT), left out of the statistics.
        wr.latencyWarmup = Math.max(50, Math.round(wr.latencyRate * 2));
        wr.latencyRecords = wr.latencyWarmup + Math.max(200, Math.round(wr.latencyRate * latencySeconds));
        log(`${w.id}: latency at ${fmt(wr.latencyRate)} records/s (half of ${slowest.label}'s ${fmt(slowest.rps)}), ${fmt(wr.latencyRecords)} records (${fmt(wr.latencyWarmup)} warm-up)`);
        for (let r = 1; r <= runs; r++) {
          for (const c of latClients) wr.latencyRuns.push(await runOne(ctx, w, c, r, { rate: wr.latencyRate, count: wr.latencyRecords, warmup: wr.latencyWarmup }));
        }
      }
      writeOutputs(results); // partial results survive an interrupted run
    }

    if (!flags['no-profile'] && clients.some((c) => c.family === 'kafka-wire')) results.profile = await profile(ctx, tmp);
    if (!flags['no-flood']) {
      results.flood = runFlood(ctx);
      writeOutputs(results);
    }
  } finally {
    await topics.close().catch(() => {});
    if (!flags['keep-broker']) await broker.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (!flags['no-encode']) results.encode = runEncode();
  results.machine.loadEnd = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  results.finishedAt = new Date().toISOString();
  writeOutputs(results);
  process.stdout.write(fs.readFileSync(path.join(flags.out, 'latest.md'), 'utf8'));
}

/** node --cpu-prof on the kafka-wire driver (callback form, 100 B, no compression). */
async function profile(ctx, tmp) {
  const w = { ...WORKLOADS['100B-none'], records: Math.min(records, 500_000) };
  const c = CLIENTS.find((x) => x.id === 'kafka-wire:callback');
  const rawDir = path.join(flags.out, 'raw');
  fs.mkdirSync(rawDir, { recursive: true });
  const name = `kafka-wire-${Date.now()}.cpuprofile`;
  const topic = await ctx.topics.create('profile', partitions);
  // The drivers read their values from a file (bench/lib/values.mjs), as in the throughput runs:
  // 100B-none's when that workload ran (its first records are these), else one of its own.
  const values = ctx.valuesFiles.get('100B-none') ?? (await writeValuesFile(path.join(tmp, `profile-${w.records}.values`), w.size, w.records));
  const spec = c.start({ bootstrap: ctx.bootstrap, topic, records: w.records, size: w.size, keys, compression: w.compression, rate: 0, values });
  spec.args.unshift('--cpu-prof', `--cpu-prof-dir=${rawDir}`, `--cpu-prof-name=${name}`);
  log(`profiling kafka-wire (${fmt(w.records)} records) -> ${path.relative(REPO_ROOT, path.join(rawDir, name))}`);
  const res = await measure(spec.cmd, spec.args, { env: spec.env, cwd: REPO_ROOT, timeoutMs });
  await ctx.topics.delete(topic);
  const file = path.join(rawDir, name);
  // A driver that failed early still writes a profile (of its start-up): report none then.
  if (res.code !== 0 || !fs.existsSync(file)) {
    log(`profile failed (exit ${res.code}): ${tailText(res.stderr, 5)}`);
    return undefined;
  }
  const s = summarizeCpuProfile(file, { top: 15, root: REPO_ROOT });
  return { workload: w.label, records: w.records, file: path.relative(REPO_ROOT, file), ...s };
}

/**
 * Memory under a flood (issue #15 target 4): `kafka-wire produce` fed stdin as fast as a pipe
 * takes it (bench/flood-stdin.mjs), once with 1,000,000 lines of 100 B and once with a
 * multi-GB stream of 10 KB lines; peak RSS against buffer.memory + 64 MiB.
 */
function runFlood(ctx) {
  const runs = [
    { size: 100, args: ['--lines', String(quick ? 200_000 : 1_000_000)] },
    { size: 10240, args: ['--gib', quick ? '0.2' : '2'] },
  ];
  const out = [];
  for (const f of runs) {
    log(`flood: kafka-wire produce, ${f.args.join(' ')} of ${f.size} B lines`);
    const r = spawnSync(process.execPath, [path.join(BENCH_DIR, 'flood-stdin.mjs'), '--bootstrap', ctx.bootstrap, '--size', String(f.size), ...f.args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: timeoutMs,
    });
    const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
    if (r.status !== 0 || !line) {
      log(`flood-stdin.mjs failed (exit ${r.status})`);
      out.push({ recordBytes: f.size, error: `exit ${r.status}` });
      continue;
    }
    out.push(JSON.parse(line.slice(7)));
  }
  return out;
}

function runEncode() {
  log('encode-only benchmark (bench/encode.mjs)');
  const r = spawnSync(process.execPath, [path.join(BENCH_DIR, 'encode.mjs'), ...(quick ? ['--quick'] : []), '--out', flags.out], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) {
    log(`encode.mjs failed (exit ${r.status})`);
    return undefined;
  }
  try {
    return JSON.parse(fs.readFileSync(path.join(flags.out, 'encode.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

function writeOutputs(results) {
  fs.mkdirSync(path.join(flags.out, 'raw'), { recursive: true });
  const json = JSON.stringify(results, null, 2);
  fs.writeFileSync(path.join(flags.out, 'latest.json'), json);
  fs.writeFileSync(path.join(flags.out, 'raw', `bench-${results.startedAt.replace(/[:.]/g, '-')}.json`), json);
  fs.writeFileSync(path.join(flags.out, 'latest.md'), markdown(results, CLIENTS));
  fs.writeFileSync(path.join(flags.out, 'latest.svg'), svg(results, CLIENTS));
}

main().catch((e) => {
  console.error(e?.stack ?? String(e));
  process.exit(1);
});
