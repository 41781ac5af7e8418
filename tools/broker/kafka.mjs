// A real Apache Kafka cluster (KRaft, no ZooKeeper) run from the jars Maven puts in ~/.m2.
//
// Layout of one cluster:
//   <state>/kafka.json                 pids, ports, dirs, bootstrap (the source of truth for down/status)
//   <state>/logs/kafka-node-<id>.log   each node's stdout+stderr (kept after `down` for post-mortems)
//   <repo>/.kafka-wire/cache/          classpath resolved by Maven, compiled Java helpers, CDS
//                                      archive: shared by all state dirs (KAFKA_WIRE_CACHE_DIR)
//   $TMPDIR/kafka-wire-kafka-XXXX/     node-<id>/server.properties and node-<id>/data (removed by `down`)
//
// Every node is a combined broker+controller (process.roles=broker,controller); N nodes form an
// N-voter static quorum, so topics can have replication factor up to N.
//
// Besides the default cluster (Kafka 4.4, tools/kafka/pom.xml) each other kind lives in a state
// dir of its own below <state>, with the same layout, ports and leases of its own, so all can
// run at once: `--kafka-version 3.9.1` in <state>/kafka-3.9.1/ (tools/kafka/kafka-3.9/pom.xml),
// and the secured cluster (tools/broker/secure.mjs) in <state>/secure/, which starts its nodes
// through startCluster() below with listeners, properties, format arguments and a readiness
// check of its own (a "flavour").

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  REPO_ROOT,
  addLease,
  cacheDir,
  dropLease,
  freePorts,
  have,
  isAlive,
  otherLeaseHolders,
  ownsProcess,
  probeMetadata,
  readJson,
  sleep,
  stateDir,
  stopProcesses,
  tail,
  withLock,
  writeJson,
} from './common.mjs';

const POM = path.join(REPO_ROOT, 'tools', 'kafka', 'pom.xml');
/** Kafka 3.9.1 (transactions v1), for `up --kafka-version 3.9.1` (see that pom). */
const POM_39 = path.join(REPO_ROOT, 'tools', 'kafka', 'kafka-3.9', 'pom.xml');
/** kafka-clients 2.3.1: the Java client that can talk to librdkafka's mock (see that pom). */
const MOCK_CLIENT_POM = path.join(REPO_ROOT, 'tools', 'kafka', 'mock-client', 'pom.xml');
const BROKER_LOG4J = path.join(REPO_ROOT, 'tools', 'kafka', 'log4j2.properties');
const TOOLS_LOG4J = path.join(REPO_ROOT, 'tools', 'kafka', 'log4j2-tools.properties');
const JAVA_SRC_DIR = path.join(REPO_ROOT, 'tools', 'kafka', 'src');

/** The pom's `<kafka.version>`: what a pom resolves, read from the pom itself. */
function pomKafkaVersion(pom) {
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(fs.readFileSync(pom, 'utf8'));
  if (!m) throw new Error(`${pom} has no <kafka.version>`);
  return m[1].trim();
}

/** The Kafka version `up` runs without --kafka-version (tools/kafka/pom.xml's). */
export const DEFAULT_KAFKA_VERSION = pomKafkaVersion(POM);

/** Versions `up --kafka-version` takes, each with the pom that resolves its broker. */
const KAFKA_POMS = new Map([
  [DEFAULT_KAFKA_VERSION, POM],
  [pomKafkaVersion(POM_39), POM_39],
]);

/** The versions `up --kafka-version` accepts (the default first). */
export function kafkaVersions() {
  return [...KAFKA_POMS.keys()];
}

function pomFor(version) {
  const pom = KAFKA_POMS.get(version);
  if (!pom) throw new Error(`Kafka ${version} is not one the broker tool runs; --kafka-version takes ${kafkaVersions().join(', ')}`);
  return pom;
}

/**
 * The state dir of the cluster of `version`: the state dir itself for the default version (so
 * `down`, the tests and PrivateKafka find it where they always did), `<state>/kafka-<version>/`
 * for another. `sub` names another kind's dir (the secured cluster's `secure`).
 */
export function clusterDir({ version = DEFAULT_KAFKA_VERSION, sub } = {}) {
  const base = stateDir();
  const name = sub ?? (version === DEFAULT_KAFKA_VERSION ? null : `kafka-${version}`);
  if (!name) return base;
  const dir = path.join(base, name);
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  return dir;
}

/** How long a cold cluster may take to answer metadata (3 JVMs on 2 shared cores are slow). */
const READY_TIMEOUT_MS = Number(process.env.KAFKA_WIRE_READY_TIMEOUT_MS ?? 180_000);

/**
 * JVM flags for a broker. The heap is capped so several brokers (and the test run) fit next to
 * each other; SerialGC starts fastest and is plenty for a 512 MiB heap. C2 stays on: the main
 * job measures producer throughput against this broker, and a C1-only broker would be the
 * bottleneck. KAFKA_WIRE_JVM_OPTS appends (and so can override) flags.
 */
function brokerJvmFlags() {
  return [
    '-Xmx512m',
    '-Xms256m',
    '-XX:+UseSerialGC',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${BROKER_LOG4J}`,
    ...(process.env.KAFKA_WIRE_JVM_OPTS ?? '').split(/\s+/).filter(Boolean),
  ];
}

/** JVM flags for short-lived tools: startup time is all that matters, so C1 only. */
const TOOL_JVM_FLAGS = [
  '-Xmx256m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Djava.awt.headless=true',
  `-Dlog4j2.configurationFile=${TOOLS_LOG4J}`,
];

function sha(...parts) {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 16);
}

function run(cmd, args, { input, cwd, signal } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, signal, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }),
    );
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/**
 * The Java classpath of Kafka's jars, as a java/javac @argfile (`-cp "..."`), resolved by
 * Maven once and cached per pom content. `mvn dependency:build-classpath` costs ~5 s even when
 * everything is in ~/.m2, so each `up` reading the cache instead matters.
 * Returns `{ cp, argFile }`.
 */
export async function kafkaClasspath({ log = () => {}, pom = POM } = {}) {
  // One resolution at a time per pom in this process: callers that start several clusters at
  // once (the test setup) share it, and the tmp file below is named by pid.
  const pomText = fs.readFileSync(pom);
  const memoKey = `${pom}\0${sha(pomText)}`;
  const running = resolving.get(memoKey);
  if (running) return running;
  const p = resolveClasspath(pom, pomText, log).finally(() => resolving.delete(memoKey));
  resolving.set(memoKey, p);
  return p;
}

const resolving = new Map();

async function resolveClasspath(pom, pomText, log) {
  const key = sha(pomText);
  const cpFile = path.join(cacheDir(), `classpath-${key}.txt`);
  const argFile = path.join(cacheDir(), `classpath-${key}.args`);
  const cached = fs.existsSync(cpFile) ? fs.readFileSync(cpFile, 'utf8').trim() : '';
  // The cache is only good while the jars are still there (~/.m2 may have been wiped).
  if (cached && cached.split(path.delimiter).every((jar) => fs.existsSync(jar))) {
    if (!fs.existsSync(argFile)) writeArgFile(argFile, cached);
    return { cp: cached, argFile };
  }
  if (!have('mvn')) throw new Error('Maven (mvn) is not installed: it resolves the Kafka jars (apt-get install maven)');
  const brokerPom = [...KAFKA_POMS.values()].includes(pom);
  log(
    brokerPom
      ? `resolving Kafka ${pomKafkaVersion(pom)} jars with Maven (${path.relative(REPO_ROOT, pom)}); the first time downloads ~60-90 MB into ~/.m2`
      : `resolving jars with Maven (${path.relative(REPO_ROOT, pom)}); the first time downloads a few MB into ~/.m2`,
  );
  const tmp = `${cpFile}.${process.pid}.tmp`;
  const res = await run('mvn', ['-B', '-q', '-f', pom, 'dependency:build-classpath', `-Dmdep.outputFile=${tmp}`]);
  if (res.code !== 0 || !fs.existsSync(tmp)) {
    throw new Error(`mvn dependency:build-classpath failed (exit ${res.code}):\n${res.stdout.toString()}\n${res.stderr}`);
  }
  fs.renameSync(tmp, cpFile);
  const cp = fs.readFileSync(cpFile, 'utf8').trim();
  writeArgFile(argFile, cp);
  return { cp, argFile };
}

function writeArgFile(file, cp) {
  // A java @argfile keeps the ~90-jar classpath off the command line (readable `ps`). Written
  // via rename: a JVM started by a parallel caller must never read half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `-cp "${cp}"\n`);
  fs.renameSync(tmp, file);
}

/**
 * Compile tools/kafka/src/*.java (KafkaWireTool: admin + reference consumer/producer;
 * KafkaWireNode: format-then-run launcher for a broker) against Kafka's jars, once per
 * source+classpath, into a jar in the cache. A jar, not a classes dir, because class data
 * sharing (below) only accepts jars on the classpath. Returns `{ jar, cp }` with cp = jar + Kafka.
 */
async function javaHelpers(classpath, { only } = {}) {
  // Concurrent callers of one process share one compilation (its tmp dir is named by pid).
  const memoKey = `${classpath.argFile}\0${(only ?? []).join(',')}`;
  const running = compiling.get(memoKey);
  if (running) return running;
  const p = compileHelpers(classpath, only).finally(() => compiling.delete(memoKey));
  compiling.set(memoKey, p);
  return p;
}

const compiling = new Map();

async function compileHelpers(classpath, only) {
  const srcDir = JAVA_SRC_DIR;
  const sources = fs
    .readdirSync(srcDir)
    .filter((f) => f.endsWith('.java') && (!only || only.includes(f)))
    .sort()
    .map((f) => path.join(srcDir, f));
  const key = sha(...sources.map((f) => fs.readFileSync(f)), classpath.cp);
  const jar = path.join(cacheDir(), `java-helpers-${key}.jar`);
  const cp = `${jar}${path.delimiter}${classpath.cp}`;
  if (fs.existsSync(jar)) return { jar, cp, key };
  const tmp = `${jar}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const javac = await run('javac', ['-nowarn', `@${classpath.argFile}`, '-d', tmp, ...sources]);
  if (javac.code !== 0) throw new Error(`javac ${sources.map((f) => path.basename(f)).join(' ')} failed:\n${javac.stdout}${javac.stderr}`);
  const jarRes = await run('jar', ['cf', `${tmp}.jar`, '-C', tmp, '.']);
  if (jarRes.code !== 0) throw new Error(`jar failed:\n${jarRes.stderr}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.renameSync(`${tmp}.jar`, jar); // atomic: concurrent callers see no jar or a whole one
  return { jar, cp, key };
}

/**
 * The Java helper's jar and classpath for one client: 'kafka' (Kafka 4.x's jars, both helpers)
 * or 'mock' (kafka-clients 2.3.1 and KafkaWireTool only: the client that can talk to
 * librdkafka's mock, see tools/kafka/mock-client/pom.xml).
 */
async function helpersFor(client = 'kafka', log = () => {}) {
  if (client === 'mock') return javaHelpers(await kafkaClasspath({ pom: MOCK_CLIENT_POM, log }), { only: ['KafkaWireTool.java'] });
  if (client !== 'kafka') throw new Error(`unknown Java client ${client}`);
  return javaHelpers(await kafkaClasspath({ log }));
}

/**
 * Run the Java helper (see KafkaWireTool.java for its commands) in a JVM of its own. Resolves
 * its stdout as a Buffer; rejects with stderr on a non-zero exit. `client: 'mock'` runs it on
 * the client that talks to librdkafka's mock cluster.
 *
 * The first call records the classes it loads into an AppCDS archive (-XX:ArchiveClassesAtExit,
 * a one-off ~5 s), later calls map it (-XX:SharedArchiveFile), which halves the CPU a call costs
 * (~1.6 s -> ~0.8 s). A stale or broken archive is ignored by the JVM (-Xshare:auto), never
 * fatal. Tests, which call it many times, use javaService() instead: one JVM per test process.
 */
export async function javaTool(args, { input, client = 'kafka' } = {}) {
  const helpers = await helpersFor(client);
  const jsa = path.join(cacheDir(), `java-helpers-${helpers.key}.jsa`);
  const cds = [];
  let dumping = null;
  if (fs.existsSync(jsa)) {
    cds.push(`-XX:SharedArchiveFile=${jsa}`);
  } else {
    // One process dumps; the others (parallel test workers) run without an archive meanwhile.
    // A lock left by a dumper that died is taken over.
    const lock = `${jsa}.lock`;
    const owner = Number(fs.existsSync(lock) ? fs.readFileSync(lock, 'utf8') : 0);
    if (owner && !isAlive(owner)) {
      fs.rmSync(`${jsa}.${owner}.tmp`, { force: true });
      fs.rmSync(lock, { force: true });
    }
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      dumping = `${jsa}.${process.pid}.tmp`;
      cds.push(`-XX:ArchiveClassesAtExit=${dumping}`);
    } catch {
      /* someone else is dumping */
    }
  }
  try {
    // JVM unified logging (CDS notes included) defaults to stdout, which carries our JSON.
    const res = await run('java', [...TOOL_JVM_FLAGS, '-Xlog:disable', '-Xlog:all=error:stderr', ...cds, '-cp', helpers.cp, 'KafkaWireTool', ...args], { input });
    if (res.code !== 0) throw new Error(`KafkaWireTool ${args[0]} failed (exit ${res.code}):\n${res.stderr}`);
    if (dumping && fs.existsSync(dumping)) fs.renameSync(dumping, jsa);
    return res.stdout;
  } finally {
    if (dumping) {
      fs.rmSync(dumping, { force: true });
      fs.rmSync(`${jsa}.lock`, { force: true });
    }
  }
}

/** One long-lived `KafkaWireTool serve` per client kind and process (see javaService). */
const services = new Map();

/**
 * Run a KafkaWireTool command in this process's long-lived helper JVM (`KafkaWireTool serve`,
 * started on first use, one per client kind): same contract as javaTool, without a JVM start
 * per call (a read or topic creation then costs ~0.1-0.3 s instead of ~1 s). Calls may overlap;
 * each runs on its own thread. The JVM does not keep this process alive, and exits when this
 * process does (its stdin closes).
 */
export async function javaService(args, { input, client = 'kafka' } = {}) {
  let svc = services.get(client);
  if (!svc || svc.dead) {
    svc = startService(client);
    services.set(client, svc);
  }
  const s = await svc.ready;
  // A request never waits forever: a command's own --timeout-ms plus a minute, else 5 minutes.
  const ti = args.indexOf('--timeout-ms');
  const limitMs = (ti >= 0 ? Number(args[ti + 1]) || 0 : 240_000) + 60_000;
  return new Promise((resolve, reject) => {
    const id = ++s.nextId;
    const timer = setTimeout(() => {
      if (!s.pending.delete(id)) return;
      reject(new Error(`KafkaWireTool serve (${client} client): no answer to ${args[0]} within ${limitMs} ms`));
    }, limitMs);
    timer.unref?.();
    const settle = (fn) => (v) => {
      clearTimeout(timer);
      fn(v);
    };
    s.pending.set(id, { resolve: settle(resolve), reject: settle(reject), args });
    s.ref();
    s.child.stdin.write(JSON.stringify({ id, args, input: input === undefined ? null : Buffer.from(input).toString('utf8') }) + '\n');
  });
}

function startService(client) {
  const svc = { dead: false, ready: null };
  svc.ready = (async () => {
    const helpers = await helpersFor(client);
    const jsa = path.join(cacheDir(), `java-helpers-${helpers.key}.jsa`);
    const cds = fs.existsSync(jsa) ? [`-XX:SharedArchiveFile=${jsa}`] : [];
    const child = spawn(
      'java',
      // A larger heap than one-shot calls: the service builds whole read answers in memory.
      [...TOOL_JVM_FLAGS, '-Xmx1g', '-Xlog:disable', '-Xlog:all=error:stderr', ...cds, '-cp', helpers.cp, 'KafkaWireTool', 'serve'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const s = { child, nextId: 0, pending: new Map(), stderr: '' };
    const sockets = [child.stdin, child.stdout, child.stderr];
    s.ref = () => {
      child.ref();
      for (const x of sockets) x.ref?.();
    };
    s.unref = () => {
      child.unref();
      for (const x of sockets) x.unref?.();
    };
    let readyResolve;
    let readyReject;
    const ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    const fail = (why) => {
      svc.dead = true;
      const err = new Error(`KafkaWireTool serve (${client} client) ${why}\n${s.stderr.slice(-4000)}`);
      readyReject(err);
      for (const p of s.pending.values()) p.reject(err);
      s.pending.clear();
    };
    child.on('error', (e) => fail(`could not start: ${e.message}`));
    child.on('exit', (code, sig) => fail(`exited (${sig ?? code})`));
    child.stdin.on('error', () => {}); // reported by 'exit'
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      s.stderr = (s.stderr + d).slice(-16_000);
    });
    child.stdout.setEncoding('utf8');
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        const msg = JSON.parse(line);
        if (msg.ready) {
          s.unref();
          readyResolve(s);
          continue;
        }
        const p = s.pending.get(msg.id);
        if (!p) continue;
        s.pending.delete(msg.id);
        if (s.pending.size === 0) s.unref();
        if (msg.code === 0) p.resolve(Buffer.from(msg.out, 'utf8'));
        else p.reject(new Error(`KafkaWireTool ${p.args[0]} failed (exit ${msg.code}):\n${msg.err}`));
      }
    });
    return ready;
  })();
  svc.ready.catch(() => {
    svc.dead = true;
  });
  return svc;
}

/** Run a main class from Kafka's jars (e.g. org.apache.kafka.tools.TopicCommand). */
export async function kafkaMain(mainClass, args, { input } = {}) {
  const { argFile } = await kafkaClasspath();
  return run('java', [...TOOL_JVM_FLAGS, `@${argFile}`, mainClass, ...args], { input });
}

/** A Kafka Uuid (cluster id): 16 random bytes, base64url without padding, never starting with '-'. */
function randomKafkaUuid() {
  for (;;) {
    const s = crypto.randomBytes(16).toString('base64url');
    if (!s.startsWith('-')) return s;
  }
}

/**
 * server.properties of one node. `listeners` are client listeners beyond PLAINTEXT (which
 * carries inter-broker traffic) and CONTROLLER: `{ name, protocol, port }`, advertised on
 * 127.0.0.1 like PLAINTEXT. `extra` lines go last (the secured cluster's security settings).
 * Keys a broker of `version` does not know are left out (it would warn about each).
 */
export function serverProperties({ id, n, port, controllerPort, voters, dataDir, version = DEFAULT_KAFKA_VERSION, listeners = [], extra = [] }) {
  const rf = Math.min(n, 3);
  const minIsr = Math.min(n, 2);
  const major = Number(version.split('.')[0]);
  const client = [{ name: 'PLAINTEXT', protocol: 'PLAINTEXT', port }, ...listeners];
  const url = (l) => `${l.name}://127.0.0.1:${l.port}`;
  return [
    '# Written by tools/broker/kafka.mjs. A combined broker+controller, tuned for fast tests.',
    'process.roles=broker,controller',
    `node.id=${id}`,
    `controller.quorum.voters=${voters}`,
    `listeners=${[...client.map(url), `CONTROLLER://127.0.0.1:${controllerPort}`].join(',')}`,
    `advertised.listeners=${client.map(url).join(',')}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=${[...client.map((l) => `${l.name}:${l.protocol}`), 'CONTROLLER:PLAINTEXT'].join(',')}`,
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'auto.create.topics.enable=true',
    // Internal topics: replicated as far as the cluster allows, few partitions (each is a
    // log + a coordinator to load, and tests never need 50 of them).
    `offsets.topic.replication.factor=${rf}`,
    'offsets.topic.num.partitions=3',
    `transaction.state.log.replication.factor=${rf}`,
    `transaction.state.log.min.isr=${minIsr}`,
    'transaction.state.log.num.partitions=3',
    // Share groups (KIP-932) arrived in 4.x.
    ...(major >= 4
      ? [`share.coordinator.state.topic.replication.factor=${rf}`, `share.coordinator.state.topic.min.isr=${minIsr}`]
      : []),
    // Consumer groups in tests should not wait 3 s for more members.
    'group.initial.rebalance.delay.ms=0',
    // Quicker registration/unfencing at startup and quicker fencing of a killed node.
    'broker.heartbeat.interval.ms=500',
    'broker.session.timeout.ms=6000',
    ...extra,
    '',
  ].join('\n');
}

const stateFile = (dir) => path.join(dir, 'kafka.json');
const lockFile = (dir) => path.join(dir, 'kafka.lock');

/**
 * The state of the cluster kept in `dir`, or null. `alive` tells whether every node (and every
 * service started with it, e.g. the secured cluster's token endpoint) still runs.
 */
export function clusterStatus(dir) {
  const st = readJson(stateFile(dir));
  if (!st) return null;
  const nodes = st.nodes.map((nd) => ({ ...nd, alive: ownsProcess(nd.pid, dir) }));
  const services = (st.services ?? []).map((sv) => ({ ...sv, alive: ownsProcess(sv.pid, dir) }));
  return { ...st, nodes, ...(st.services ? { services } : {}), alive: nodes.every((nd) => nd.alive) && services.every((sv) => sv.alive) };
}

/** The running cluster of `version` (default: 4.4), or null. */
export function kafkaStatus({ version } = {}) {
  return clusterStatus(clusterDir({ version }));
}

async function answers(st) {
  try {
    const md = await probeMetadata('127.0.0.1', st.nodes[0].port, 2_000);
    return md.brokers.length === st.nodes.length;
  } catch {
    return false;
  }
}

/**
 * Start an N-node cluster in `dir`, or return the one already running there. Resolves the
 * state, with `reused: true` if it was already up. Progress goes to `log`.
 *
 * `lease: true` (test runs, the main job): take a lease and, if the cluster is started here,
 * mark it managed, so clusterRelease() stops it once the last lease holder is done.
 * Without a lease (the CLI), the cluster belongs to the user: a managed cluster found running
 * becomes unmanaged, and only `down` stops it.
 *
 * `flavour` (see startCluster) says what the nodes run; a function is called only when a
 * cluster is started (so a reused cluster costs no certificates or token endpoint).
 */
export async function clusterUp({ dir, brokers, log = () => {}, lease = false, flavour = {}, what = 'Kafka', downHint = 'npm run broker -- down' }) {
  return withLock(lockFile(dir), async () => {
    const existing = clusterStatus(dir);
    if (existing?.alive && (await answers(existing))) {
      if (brokers !== undefined && brokers !== existing.nodes.length) {
        throw new Error(`a ${existing.nodes.length}-broker ${what} is already up (${existing.bootstrap}); run \`${downHint}\` first`);
      }
      if (lease) addLease(dir, 'kafka');
      else if (existing.managed) writeJson(stateFile(dir), { ...readJson(stateFile(dir)), managed: false });
      return { ...existing, reused: true };
    }
    if (existing) {
      log('cleaning up a stale cluster entry');
      await stopCluster(existing, dir);
    }
    const n = brokers ?? 1;
    const fl = typeof flavour === 'function' ? await flavour({ dir, n, log }) : flavour;
    const st = await startCluster({ n, dir, log, managed: lease, flavour: fl });
    if (lease) addLease(dir, 'kafka');
    return st;
  });
}

/**
 * Give up this process's lease on the cluster in `dir`; stop it if it is managed and no other
 * live process holds a lease. Resolves true if it stopped the cluster.
 */
export async function clusterRelease(dir) {
  return withLock(lockFile(dir), async () => {
    dropLease(dir, 'kafka');
    const st = readJson(stateFile(dir));
    if (!st?.managed || otherLeaseHolders(dir, 'kafka').length > 0) return false;
    await stopCluster(st, dir);
    return true;
  });
}

/** Stop the cluster in `dir` (SIGTERM, SIGKILL after 15 s) and delete its data. Logs stay. */
export async function clusterDown(dir) {
  return withLock(lockFile(dir), async () => {
    const st = readJson(stateFile(dir));
    if (!st) return null;
    const killed = await stopCluster(st, dir);
    return { pids: [...st.nodes.map((nd) => nd.pid), ...(st.services ?? []).map((sv) => sv.pid)], killed };
  });
}

/**
 * Start the cluster of `version` (default: 4.4) with `brokers` nodes, or return the one already
 * running; see clusterUp for `lease`. A version other than the default runs in its own state
 * dir (clusterDir) on ports of its own, beside the default one.
 */
export async function kafkaUp({ brokers, log = () => {}, lease = false, version = DEFAULT_KAFKA_VERSION } = {}) {
  pomFor(version);
  const flag = version === DEFAULT_KAFKA_VERSION ? '' : ` --kafka-version ${version}`;
  return clusterUp({
    dir: clusterDir({ version }),
    brokers,
    log,
    lease,
    flavour: { version },
    what: `Kafka ${version}`,
    downHint: `npm run broker -- down${flag}`,
  });
}

/** Drop this process's lease on the cluster of `version`; see clusterRelease. */
export async function kafkaRelease({ version } = {}) {
  return clusterRelease(clusterDir({ version }));
}

/** Stop the cluster of `version` (default: 4.4) and delete its data. Logs stay. */
export async function kafkaDown({ version } = {}) {
  return clusterDown(clusterDir({ version }));
}

/**
 * Start `n` nodes in `dir`. `flavour` (every field optional) says what they run:
 *   version      the Kafka version (pom) of the nodes; default DEFAULT_KAFKA_VERSION
 *   listeners    [{ name, protocol }]: client listeners beyond PLAINTEXT, each on a port of its own
 *                per node (node.ports[name]); PLAINTEXT and CONTROLLER are always there
 *   root         where node dirs (server.properties, data/) live; default a fresh
 *                $TMPDIR/kafka-wire-kafka-XXXX. Removed by stop, as are `cleanup` paths.
 *   serverExtra  (node, state) => more server.properties lines
 *   formatArgs   more `kafka-storage format` arguments (e.g. --add-scram ...): handed over in a
 *                file beside server.properties (mode 0600), never on a command line (ps shows those)
 *   jvmFlags     more broker JVM flags
 *   state        more fields for kafka.json (`services: [{ name, pid }]` are stopped with the nodes)
 *   cleanup      more paths that stop removes
 *   whenSpawned  (state, { signal }) => Promise: started once every node is spawned, awaited
 *                beside the metadata check; the flavour's own readiness (aborted on failure)
 */
export async function startCluster({ n, dir, log, managed, flavour = {} }) {
  if (!have('java')) throw new Error('java is not installed (Kafka needs Java 17+)');
  const version = flavour.version ?? DEFAULT_KAFKA_VERSION;
  const listeners = flavour.listeners ?? [];
  const t0 = Date.now();
  const perNode = 2 + listeners.length;
  let classpath;
  let ports;
  try {
    classpath = await kafkaClasspath({ log, pom: pomFor(version) });
    ports = await freePorts(perNode * n);
  } catch (e) {
    // Nothing is in kafka.json yet: stop what the flavour started for these nodes here.
    await stopCluster({ nodes: [], services: flavour.state?.services, cleanup: flavour.cleanup }, dir);
    throw e;
  }
  const clusterId = randomKafkaUuid();
  const root = flavour.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-wire-kafka-'));
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  const nodes = [];
  for (let i = 0; i < n; i++) {
    const id = i + 1;
    const own = ports.slice(perNode * i, perNode * (i + 1));
    const nd = {
      id,
      port: own[0],
      controllerPort: own[1],
      dir: path.join(root, `node-${id}`),
      log: path.join(dir, 'logs', `kafka-node-${id}.log`),
      pid: 0,
    };
    if (listeners.length) nd.ports = Object.fromEntries(listeners.map((l, j) => [l.name, own[2 + j]]));
    nodes.push(nd);
  }
  const voters = nodes.map((nd) => `${nd.id}@127.0.0.1:${nd.controllerPort}`).join(',');
  const st = {
    kind: 'kafka',
    version,
    clusterId,
    root,
    bootstrap: nodes.map((nd) => `127.0.0.1:${nd.port}`).join(','),
    startedAt: new Date().toISOString(),
    managed,
    nodes,
    ...(flavour.state ?? {}),
    ...(flavour.cleanup ? { cleanup: flavour.cleanup } : {}),
  };
  writeJson(stateFile(dir), st); // from here on `down` can clean up whatever follows

  const abort = new AbortController();
  let flavourReady = Promise.resolve();
  try {
    // Each node formats its own storage (shared cluster id) and starts in one JVM: KafkaWireNode.
    // Versions other than the default compile only KafkaWireNode against their own jars.
    const helpers = await javaHelpers(classpath, version === DEFAULT_KAFKA_VERSION ? {} : { only: ['KafkaWireNode.java'] });
    const nodeArgFile = path.join(cacheDir(), `node-${helpers.key}.args`);
    if (!fs.existsSync(nodeArgFile)) writeArgFile(nodeArgFile, helpers.cp);
    for (const nd of nodes) {
      fs.mkdirSync(nd.dir, { recursive: true, mode: 0o700 });
      const props = serverProperties({
        ...nd,
        n,
        voters,
        version,
        dataDir: path.join(nd.dir, 'data'),
        listeners: listeners.map((l) => ({ ...l, port: nd.ports[l.name] })),
        extra: flavour.serverExtra ? flavour.serverExtra(nd, st) : [],
      });
      fs.writeFileSync(path.join(nd.dir, 'server.properties'), props, { mode: 0o600 });
      if (flavour.formatArgs?.length) fs.writeFileSync(path.join(nd.dir, 'format.args'), flavour.formatArgs.join('\n') + '\n', { mode: 0o600 });
    }

    // Start the nodes detached (own process group, output to a file) so `up` can return.
    for (const nd of nodes) {
      const fd = fs.openSync(nd.log, 'w');
      const child = spawn(
        'java',
        [
          ...brokerJvmFlags(),
          ...(flavour.jvmFlags ?? []),
          // Marks the process as ours: `down` only signals pids whose command line has it.
          `-Dkafka.wire.state=${dir}`,
          `@${nodeArgFile}`,
          'KafkaWireNode',
          path.join(nd.dir, 'server.properties'),
          clusterId,
          ...(flavour.formatArgs?.length ? [path.join(nd.dir, 'format.args')] : []),
        ],
        { cwd: nd.dir, detached: true, stdio: ['ignore', fd, fd] },
      );
      fs.closeSync(fd);
      child.unref();
      nd.pid = child.pid;
      // Persist after every spawn: a failure half-way must still leave `down` able to clean up.
      writeJson(stateFile(dir), st);
    }
    log(`started ${n} node(s) of Kafka ${version} (cluster id ${clusterId}): pids ${nodes.map((nd) => nd.pid).join(' ')}; waiting for metadata`);
    if (flavour.whenSpawned) flavourReady = flavour.whenSpawned(st, { signal: abort.signal });
    let flavourDone = false;
    flavourReady = flavourReady.then(() => {
      flavourDone = true;
    });

    // Ready = every node answers Metadata listing all N brokers (i.e. all registered and
    // unfenced), and the flavour's own check passed. A node that dies fails the start at once.
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let metadataReady = false;
    const failed = flavourReady.then(
      () => null,
      (e) => e,
    );
    for (;;) {
      const dead = nodes.find((nd) => !isAlive(nd.pid));
      if (dead) throw nodeError(dead, `Kafka node ${dead.id} exited during startup`);
      if (!metadataReady) {
        const views = await Promise.all(nodes.map((nd) => probeMetadata('127.0.0.1', nd.port, 2_000).catch(() => null)));
        metadataReady = views.every((v) => v && v.brokers.length === n);
      }
      const err = await Promise.race([failed, sleep(0).then(() => undefined)]);
      if (err) throw err;
      if (metadataReady && flavourDone) break;
      if (Date.now() > deadline) {
        throw nodeError(nodes[0], `Kafka did not ${metadataReady ? 'pass its readiness check' : `answer metadata with ${n} broker(s)`} within ${READY_TIMEOUT_MS} ms`);
      }
      await sleep(150);
    }
    log(`Kafka ${version} up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { ...st, reused: false };
  } catch (e) {
    abort.abort();
    await flavourReady.catch(() => {});
    await stopCluster(st, dir);
    throw e;
  }
}

function nodeError(nd, msg) {
  return new Error(`${msg}\nlog: ${nd.log}\n--- last lines ---\n${tail(nd.log, 30)}`);
}

async function stopCluster(st, dir) {
  const killed = await stopProcesses(
    [...st.nodes.map((nd) => nd.pid), ...(st.services ?? []).map((sv) => sv.pid)],
    { marker: dir, timeoutMs: 15_000 },
  );
  for (const p of [st.root, ...(st.cleanup ?? [])]) if (p) fs.rmSync(p, { recursive: true, force: true });
  fs.rmSync(stateFile(dir), { force: true });
  return killed;
}

/**
 * Resolve the jars and compile the Java helpers now (CI does this before the tests, so a
 * missing dependency fails early and the first test does not pay for it).
 */
export async function kafkaPrepare({ log = () => {}, allVersions = false } = {}) {
  const classpath = await kafkaClasspath({ log });
  const helpers = await javaHelpers(classpath);
  const mockClient = await helpersFor('mock', log);
  // `prepare` also readies the other versions' brokers (the test setup leaves that to their start).
  const versions = {};
  for (const version of allVersions ? kafkaVersions().slice(1) : []) {
    const cp = await kafkaClasspath({ log, pom: pomFor(version) });
    versions[version] = (await javaHelpers(cp, { only: ['KafkaWireNode.java'] })).jar;
  }
  return { classpath: classpath.cp.split(path.delimiter).length, helpersJar: helpers.jar, mockClientJar: mockClient.jar, versions };
}

/**
 * Run one of the Java helpers' main classes (tools/kafka/src) on Kafka 4.4's client, in a JVM of
 * its own with the short-lived tools' flags plus `jvmFlags`. Resolves { code, stdout, stderr };
 * `signal` kills the JVM (SIGTERM) when aborted.
 */
export async function javaHelperMain(mainClass, args, { jvmFlags = [], input, signal, log } = {}) {
  const helpers = await helpersFor('kafka', log);
  return run('java', [...TOOL_JVM_FLAGS, '-Xlog:disable', '-Xlog:all=error:stderr', ...jvmFlags, '-cp', helpers.cp, mainClass, ...args], { input, signal });
}
