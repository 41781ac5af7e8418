// Kafka's jars and the Java helpers: the Maven-resolved classpath of each Kafka version's pom,
// the helpers in tools/kafka/src compiled against it, and running them (one JVM per call, or
// one long-lived `KafkaWireTool serve` per process). tools/broker/kafka.mjs starts brokers
// from what this resolves; the test helpers read back through javaService.
//
//   <repo>/.kafka-wire/cache/   classpath per pom content, compiled helper jars, CDS archive:
//                               shared by all state dirs (KAFKA_WIRE_CACHE_DIR)

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, cacheDir, have, isAlive } from './common.mjs';

const POM = path.join(REPO_ROOT, 'tools', 'kafka', 'pom.xml');
/** Kafka 3.9.1 (transactions v1), for `up --kafka-version 3.9.1` (see that pom). */
const POM_39 = path.join(REPO_ROOT, 'tools', 'kafka', 'kafka-3.9', 'pom.xml');
/** kafka-clients 2.3.1: the Java client that can talk to librdkafka's mock (see that pom). */
const MOCK_CLIENT_POM = path.join(REPO_ROOT, 'tools', 'kafka', 'mock-client', 'pom.xml');
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

export function pomFor(version) {
  const pom = KAFKA_POMS.get(version);
  if (!pom) throw new Error(`Kafka ${version} is not one the broker tool runs; --kafka-version takes ${kafkaVersions().join(', ')}`);
  return pom;
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

export function writeArgFile(file, cp) {
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
export async function javaHelpers(classpath, { only } = {}) {
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
  // javaTool's class archive (same classpath) when there is one: most of Kafka's client
  // classes any helper loads are in it, which saves a busy machine a second of CPU.
  const jsa = path.join(cacheDir(), `java-helpers-${helpers.key}.jsa`);
  const cds = fs.existsSync(jsa) ? [`-XX:SharedArchiveFile=${jsa}`] : [];
  return run('java', [...TOOL_JVM_FLAGS, '-Xlog:disable', '-Xlog:all=error:stderr', ...cds, ...jvmFlags, '-cp', helpers.cp, mainClass, ...args], { input, signal });
}
