/**
 * The soak run (started by tools/soak.mjs under vite-node): a steady stream of records for
 * `--minutes` on a private 3-broker Apache Kafka (test/helpers/faults.ts PrivateKafka: its own
 * state directory, so a broker of the test run is untouched), topic with replication factor 3
 * and min.insync.replicas 2, the producer with acks=all and idempotence on. Every 30 s one
 * fault, cycling through:
 *
 *   kill      kill -9 of a broker, restarted at once (same command line, same data)
 *   restart   graceful restart: SIGTERM (controlled shutdown), wait for the exit, start again
 *   elect     preferred-leader election of every partition with Kafka's own tool
 *             (org.apache.kafka.tools.LeaderElectionCommand from kafka-tools, i.e.
 *             kafka-leader-election.sh), after the restarts left leaders off their preferred node
 *   pause     SIGSTOP of a broker for request.timeout.ms + 3 s, then SIGCONT
 *
 * The victim rotates over the brokers. Each minute: RSS, heap used, buffer-available-bytes /
 * buffer-total-bytes from producer.metrics(), records sent/acked/failed. At the end the topic is
 * read back with Kafka's Java consumer (KafkaWireTool read in a JVM of its own) and
 * counted: every value is `<run>|<partition>|<sequence>|<filler>` with a per-partition sequence,
 * so a lost, duplicated or reordered record is found by position alone.
 *
 * The bookkeeping is preallocated typed arrays (one byte of state and one offset per record), so
 * the soak's own memory does not grow with the records it sent and the RSS slope is the
 * producer's.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Producer } from '../../src/index.js';
import { PrivateKafka, sleep, waitFor } from '../../test/helpers/faults.js';
import { createTopic } from '../../test/helpers/kafka.js';
import { javaTool, kafkaClasspath, kafkaMain, kafkaPrepare, probeMetadata } from '../broker/index.mjs';

const { values: opts } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    'kafka-version': { type: 'string' },
    rate: { type: 'string', default: '500' },
    partitions: { type: 'string', default: '6' },
    'value-bytes': { type: 'string', default: '100' },
    'fault-every-s': { type: 'string', default: '30' },
    'request-timeout-ms': { type: 'string', default: '10000' },
    compression: { type: 'string', default: 'lz4' },
    'keep-broker': { type: 'boolean', default: false },
  },
  allowPositionals: true,
});

const minutes = Number(opts.minutes);
const rate = Number(opts.rate);
const partitions = Number(opts.partitions);
const valueBytes = Number(opts['value-bytes']);
const faultEveryMs = Number(opts['fault-every-s']) * 1000;
const requestTimeoutMs = Number(opts['request-timeout-ms']);
if (!(minutes > 0) || !(rate > 0) || !(partitions > 0)) throw new Error('--minutes, --rate and --partitions must be positive');

const MiB = 1024 * 1024;
const t0 = Date.now();
const stamp = () => `${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s`;
const log = (m: string) => console.log(`[soak ${stamp()}] ${m}`);

// ---------------------------------------------------------------------------------------------
// Bookkeeping: per record (global index i), its partition and per-partition sequence are
// implied by the send order (round robin), its state and acknowledged offset are stored.

const capacity = Math.ceil(rate * 60 * minutes * 1.1) + 10_000;
const PENDING = 0;
const ACKED = 1;
const FAILED = 2;
const state = new Uint8Array(capacity);
const ackedOffset = new Float64Array(capacity).fill(-1);
const callbacks = new Uint8Array(capacity);
const errorCodes = new Map<string, number>();
let sent = 0;
let acked = 0;
let failed = 0;
let multi = 0;
const run = Math.random().toString(36).slice(2, 8);
const filler = 'x'.repeat(Math.max(0, valueBytes - 24));

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const kafkaVersion = opts['kafka-version'];
  log(`starting a 3-broker Kafka${kafkaVersion ? ` ${kafkaVersion}` : ''} (private state directory)`);
  await kafkaPrepare({ log: (m) => log(`kafka: ${m}`) }); // resolves the jars, compiles the Java helpers
  const kafka = await PrivateKafka.start(3, (m) => log(`kafka: ${m}`));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping Kafka`);
      void kafka.stop().finally(() => process.exit(130));
    });
  }
  let ok = false;
  try {
    const { cp } = await kafkaClasspath();
    const jar = /kafka_2\.13-([^/:]+)\.jar/.exec(cp)?.[1] ?? 'unknown';
    if (kafkaVersion && jar !== kafkaVersion) {
      throw new Error(`--kafka-version ${kafkaVersion}: the broker tool runs Kafka ${jar} (tools/kafka/pom.xml); it does not take a version yet`);
    }
    log(`Kafka ${jar} up at ${kafka.bootstrap}`);
    ok = await soak(kafka, jar);
  } finally {
    if (opts['keep-broker']) log(`broker kept running (state ${kafka.dir}); stop it with KAFKA_WIRE_STATE_DIR=${kafka.dir} npm run broker -- down`);
    else {
      await kafka.stop().catch((e: unknown) => log(`stopping Kafka failed: ${String(e)}`));
      if (ok) kafka.removeState();
      else log(`broker logs kept in ${kafka.dir}/logs`);
    }
  }
  process.exit(ok ? 0 : 1);
}

interface Sample {
  minute: number;
  rssMiB: number;
  heapMiB: number;
}

async function soak(kafka: PrivateKafka, kafkaVersion: string): Promise<boolean> {
  const topic = `soak-${Date.now().toString(36)}-${run}`;
  await createTopic(topic, { partitions, replicationFactor: 3, config: { 'min.insync.replicas': 2 }, bootstrap: kafka.bootstrap });
  log(`topic ${topic}: ${partitions} partitions, RF 3, min.insync.replicas 2`);
  const warnings: string[] = [];
  const keep = (m: string) => {
    if (warnings.length < 200) warnings.push(`${stamp()} ${m}`);
  };
  const producer = new Producer({
    'bootstrap.servers': kafka.bootstrap,
    'client.id': `soak-${run}`,
    acks: 'all',
    'enable.idempotence': true,
    'compression.type': opts.compression as 'lz4',
    'request.timeout.ms': requestTimeoutMs,
    'retry.backoff.ms': 100,
    'retry.backoff.max.ms': 1000,
    'reconnect.backoff.max.ms': 1000,
    logger: { debug: () => {}, info: () => {}, warn: keep, error: keep },
  });

  // The steady stream: round robin over the partitions, each with its own sequence.
  const durationMs = minutes * 60_000;
  const started = Date.now();
  const seqs = new Uint32Array(partitions);
  const sendOne = () => {
    const i = sent++;
    const partition = i % partitions;
    const seq = seqs[partition]!++;
    producer.send({ topic, partition, key: null, value: `${run}|${partition}|${seq}|${filler}` }, (err, md) => {
      const c = ++callbacks[i]!;
      if (c > 1) {
        multi++;
        return;
      }
      if (err) {
        state[i] = FAILED;
        failed++;
        errorCodes.set(err.code, (errorCodes.get(err.code) ?? 0) + 1);
      } else {
        state[i] = ACKED;
        acked++;
        ackedOffset[i] = Number(md!.offset);
      }
    });
  };
  const maxOutstanding = rate * 30;
  const ticker = setInterval(() => {
    const due = Math.min(capacity, Math.floor(((Math.min(Date.now(), started + durationMs) - started) * rate) / 1000));
    while (sent < due && sent - acked - failed < maxOutstanding) sendOne();
  }, 10);

  // Per-minute samples.
  const samples: Sample[] = [];
  const sample = (minute: number) => {
    const m = process.memoryUsage();
    const met = producer.metrics();
    const s = { minute, rssMiB: m.rss / MiB, heapMiB: m.heapUsed / MiB };
    samples.push(s);
    log(
      `minute ${minute}: RSS ${s.rssMiB.toFixed(1)} MiB, heap used ${s.heapMiB.toFixed(1)} MiB (external ${(m.external / MiB).toFixed(1)} MiB), buffer ${met['buffer-available-bytes']} / ${met['buffer-total-bytes']} bytes available, ` +
        `sent ${sent} acked ${acked} failed ${failed} (in flight ${sent - acked - failed})`,
    );
  };
  sample(0);
  const minuteTimer = setInterval(() => sample(Math.round((Date.now() - started) / 60_000)), 60_000);

  // Faults every faultEveryMs, cycling kill / restart / elect / pause, rotating the victim.
  const faults: string[] = [];
  const kinds = ['kill', 'restart', 'elect', 'pause'] as const;
  let nextFault = started + faultEveryMs;
  let faultIndex = 0;
  const nodeIds = kafka.nodeIds;
  const whole = () => waitFor('3 brokers in the cluster', async () => (await kafka.metadata()).brokers.length === 3, 120_000, 500);
  while (Date.now() < started + durationMs - 5_000) {
    const wait = nextFault - Date.now();
    if (wait > 0) await sleep(Math.min(wait, started + durationMs - Date.now()));
    if (Date.now() >= started + durationMs - 5_000) break;
    const kind = kinds[faultIndex % kinds.length]!;
    const victim = nodeIds[Math.floor(faultIndex / kinds.length + faultIndex) % nodeIds.length]!;
    faultIndex++;
    const f0 = Date.now();
    try {
      const what = await inject(kafka, kind, victim, topic);
      await whole();
      const line = `${kind}: ${what} (${((Date.now() - f0) / 1000).toFixed(1)} s from the fault until it was over and 3 brokers answered)`;
      faults.push(`${stamp()} ${line}`);
      log(`fault ${faultIndex} ${line}`);
    } catch (e) {
      const line = `${kind} of node ${victim} FAILED to inject or recover: ${(e as Error).message.split('\n')[0]}`;
      faults.push(`${stamp()} ${line}`);
      log(`fault ${faultIndex} ${line}`);
    }
    nextFault = Math.max(nextFault + faultEveryMs, Date.now() + 5_000);
  }
  const remaining = started + durationMs - Date.now();
  if (remaining > 0) await sleep(remaining);
  clearInterval(ticker);
  clearInterval(minuteTimer);
  if (samples.at(-1)!.minute < minutes) sample(minutes);
  log(`load stopped after ${minutes} min (the last fault ended ${((Date.now() - started - durationMs) / 1000).toFixed(0)} s later): ${sent} records sent; waiting for the last callbacks`);

  // Settle: every record gets its callback (delivery.timeout.ms bounds it).
  await kafka.metadata().then(
    (md) => (md.brokers.length < 3 ? whole() : null),
    () => whole(),
  );
  const settleDeadline = Date.now() + 150_000;
  while (acked + failed < sent && Date.now() < settleDeadline) await sleep(200);
  await producer.flush();
  const finalMetrics = producer.metrics();
  await producer.close({ timeoutMs: 10_000 });
  log(`settled: sent ${sent} acked ${acked} failed ${failed} missing ${sent - acked - failed}; reading the topic back with Kafka's Java consumer`);

  // Read back and count.
  const t1 = Date.now();
  const records = await readBackAll(topic, kafka.bootstrap);
  log(`read back ${records.length} records in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  const perPartitionSent = Array.from({ length: partitions }, (_, p) => Math.floor(sent / partitions) + (p < sent % partitions ? 1 : 0));
  // Where each (partition, seq) sits in the log: first offset, and copies.
  const firstOffset = perPartitionSent.map((n) => new Float64Array(n).fill(-1));
  const copies = perPartitionSent.map((n) => new Uint16Array(n));
  let foreign = 0;
  let reorderedInLog = 0;
  const maxSeq = new Float64Array(partitions).fill(-1);
  for (const r of records) {
    const parts = r.value?.toString('latin1').split('|');
    if (!parts || parts[0] !== run) {
      foreign++;
      continue;
    }
    const p = Number(parts[1]);
    const seq = Number(parts[2]);
    if (p !== r.partition || !(seq < perPartitionSent[p]!)) {
      foreign++;
      continue;
    }
    if (copies[p]![seq]!++ === 0) {
      firstOffset[p]![seq] = r.offset;
      if (seq < maxSeq[p]!) reorderedInLog++;
      else maxSeq[p] = seq;
    }
  }
  let lost = 0;
  let duplicated = 0;
  let writtenButFailed = 0;
  let readBack = 0;
  let reorderedAcks = 0;
  const lastAckedOffset = new Float64Array(partitions).fill(-1);
  const examples: string[] = [];
  for (let i = 0; i < sent; i++) {
    const p = i % partitions;
    const seq = Math.floor(i / partitions);
    const n = copies[p]![seq]!;
    if (n > 0) readBack++;
    if (n > 1) {
      duplicated += n - 1;
      if (examples.length < 10) examples.push(`duplicated: partition ${p} seq ${seq} x${n}`);
    }
    if (state[i] === FAILED && n > 0) writtenButFailed++;
    if (state[i] !== ACKED) continue;
    const off = ackedOffset[i]!;
    if (n === 0 || firstOffset[p]![seq] !== off) {
      lost++;
      if (examples.length < 10) examples.push(`lost: partition ${p} seq ${seq} acked at ${off}, log has ${n === 0 ? 'nothing' : `offset ${firstOffset[p]![seq]}`}`);
    }
    if (off <= lastAckedOffset[p]!) {
      reorderedAcks++;
      if (examples.length < 10) examples.push(`reordered: partition ${p} seq ${seq} acked at ${off} after ${lastAckedOffset[p]}`);
    } else lastAckedOffset[p] = off;
  }
  const reordered = reorderedInLog + reorderedAcks;

  // RSS slope: least squares over the samples from minute 1 on.
  const pts = samples.filter((s) => s.minute >= 1);
  let slope = NaN;
  if (pts.length >= 2) {
    const mx = pts.reduce((a, s) => a + s.minute, 0) / pts.length;
    const my = pts.reduce((a, s) => a + s.rssMiB, 0) / pts.length;
    const num = pts.reduce((a, s) => a + (s.minute - mx) * (s.rssMiB - my), 0);
    const den = pts.reduce((a, s) => a + (s.minute - mx) ** 2, 0);
    slope = num / den;
  }
  const errs = [...errorCodes].map(([k, v]) => `${k}:${v}`).join(',');
  console.log('');
  console.log(`[soak] Kafka ${kafkaVersion}, 3 brokers, RF 3, min.insync.replicas 2; acks=all, idempotence on, ${opts.compression}, ${rate} records/s of ${valueBytes} B over ${partitions} partitions, ${minutes} min`);
  console.log(`[soak] faults (${faults.length}):\n${faults.map((f) => `[soak]   ${f}`).join('\n')}`);
  console.log(`[soak] RSS per minute (MiB): ${samples.map((s) => `${s.minute}:${s.rssMiB.toFixed(1)}`).join(' ')}`);
  console.log(`[soak] heap used per minute (MiB): ${samples.map((s) => `${s.minute}:${s.heapMiB.toFixed(1)}`).join(' ')}`);
  console.log(
    `[soak] producer: request-total ${finalMetrics['request-total']}, record-retry-total ${finalMetrics['record-retry-total']}, record-error-total ${finalMetrics['record-error-total']}, buffer ${finalMetrics['buffer-available-bytes']} / ${finalMetrics['buffer-total-bytes']} available at the end`,
  );
  if (examples.length) console.log(`[soak] examples:\n${examples.map((e) => `[soak]   ${e}`).join('\n')}`);
  if (warnings.length) console.log(`[soak] producer warnings/errors (first ${Math.min(10, warnings.length)} of ${warnings.length}):\n${warnings.slice(0, 10).map((w) => `[soak]   ${w}`).join('\n')}`);
  if (foreign) console.log(`[soak] ${foreign} records in the topic were not this run's (ignored)`);
  const slopeText = Number.isFinite(slope) ? `${slope.toFixed(2)} MiB/min` : 'n/a (fewer than 2 samples after the first minute)';
  console.log(
    `soak: ${minutes} min, sent ${sent} acked ${acked} failed ${failed}${errs ? ` (${errs})` : ''} missing ${sent - acked - failed} multi ${multi}, ` +
      `read back ${readBack}, lost ${lost} duplicated ${duplicated} reordered ${reordered}, written-but-failed ${writtenButFailed}, ` +
      `faults ${faults.length}, RSS slope ${slopeText} (RSS ${pts.length ? `${pts[0]!.rssMiB.toFixed(1)} -> ${pts.at(-1)!.rssMiB.toFixed(1)}` : '?'} MiB)`,
  );
  const report = process.env.KAFKA_WIRE_SOAK_REPORT;
  if (report) fs.appendFileSync(report, JSON.stringify({ minutes, sent, acked, failed, lost, duplicated, reordered, writtenButFailed, slope, samples, faults }) + '\n');
  return lost === 0 && duplicated === 0 && reordered === 0 && multi === 0 && sent === acked + failed;
}

async function inject(kafka: PrivateKafka, kind: 'kill' | 'restart' | 'elect' | 'pause', victim: number, topic: string): Promise<string> {
  switch (kind) {
    case 'kill': {
      const launch = kafka.launchInfo(victim);
      kafka.kill(victim);
      await kafka.restart(victim, launch, 120_000);
      await nodeAnswers(kafka, victim);
      return `node ${victim} killed (SIGKILL) and restarted`;
    }
    case 'restart': {
      const launch = kafka.launchInfo(victim);
      const pid = kafka.pid(victim);
      const s0 = Date.now();
      process.kill(pid, 'SIGTERM');
      await waitFor(`node ${victim} to exit after SIGTERM`, () => !alive(pid), 60_000, 100);
      const stopMs = Date.now() - s0;
      await kafka.restart(victim, launch, 120_000);
      await nodeAnswers(kafka, victim);
      return `node ${victim} stopped gracefully (SIGTERM, exited after ${(stopMs / 1000).toFixed(1)} s) and restarted`;
    }
    case 'elect': {
      const before = (await kafka.metadata(topic)).partitions;
      const off = before.filter((p) => p.leader !== p.replicas[0]).length;
      const res = await kafkaMain('org.apache.kafka.tools.LeaderElectionCommand', [
        '--bootstrap-server',
        kafka.bootstrap,
        '--election-type',
        'PREFERRED',
        '--all-topic-partitions',
      ]);
      // The tool exits non-zero when some partition needed no election; what matters is its output.
      const out = `${res.stdout.toString('utf8')}${res.stderr}`;
      if (res.code !== 0 && !/not needed|ElectionNotNeeded|Successfully completed/i.test(out)) throw new Error(`kafka-leader-election exited ${res.code}: ${out.slice(-500)}`);
      const after = (await kafka.metadata(topic)).partitions;
      const moved = after.filter((p, i) => p.leader !== before[i]?.leader).length;
      return `preferred leader election (kafka-leader-election): ${off} of ${before.length} partitions off their preferred leader before, ${moved} leaders moved`;
    }
    case 'pause': {
      const pauseMs = requestTimeoutMs + 3_000;
      kafka.freeze(victim);
      try {
        await sleep(pauseMs);
      } finally {
        kafka.thaw(victim);
      }
      return `node ${victim} paused (SIGSTOP) for ${(pauseMs / 1000).toFixed(0)} s (request.timeout.ms ${requestTimeoutMs}), then SIGCONT`;
    }
  }
}

/**
 * Reads the whole topic with Kafka's Java consumer (KafkaWireTool read, as readBackJava in
 * test/helpers/kafka.ts does) in a JVM of its own, which streams its lines: a few hundred
 * thousand records do not fit the shared `serve` JVM, which buffers a whole answer in its
 * 256 MiB heap before replying.
 */
async function readBackAll(topic: string, bootstrap: string): Promise<{ partition: number; offset: number; value: Buffer | null }[]> {
  const out = await javaTool(['read', '--bootstrap', bootstrap, '--topic', topic, '--timeout-ms', '300000']);
  const records: { partition: number; offset: number; value: Buffer | null }[] = [];
  for (const line of out.toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    const j = JSON.parse(line) as { partition: number; offset: number; value: string | null };
    records.push({ partition: j.partition, offset: j.offset, value: j.value === null ? null : Buffer.from(j.value, 'base64') });
  }
  // In log order per partition, as the counting below expects.
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** Waits until the (restarted) node itself answers Metadata listing all three brokers. */
async function nodeAnswers(kafka: PrivateKafka, id: number): Promise<void> {
  const port = kafka.status()?.nodes.find((n) => n.id === id)?.port;
  if (port === undefined) throw new Error(`no node ${id} in the cluster state`);
  await waitFor(`node ${id} answering Metadata with 3 brokers`, async () => (await probeMetadata('127.0.0.1', port, 2_000)).brokers.length === 3, 120_000, 250);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const st = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return st !== 'Z' && st !== 'X';
  } catch {
    return false;
  }
}

await main();
