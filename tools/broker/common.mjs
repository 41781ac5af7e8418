// Shared plumbing for the broker tooling: where state lives, process bookkeeping, free ports,
// a lock so two `up`s never race, and a tiny Metadata probe that tells when a broker answers.
//
// Only Node built-ins here: this runs before `npm run build` and on machines without kcat.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The state dir: pids, ports, logs, leases. `<repo>/.kafka-wire/` unless KAFKA_WIRE_STATE_DIR. */
export function stateDir() {
  const dir = process.env.KAFKA_WIRE_STATE_DIR
    ? path.resolve(process.env.KAFKA_WIRE_STATE_DIR)
    : path.join(REPO_ROOT, '.kafka-wire');
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  return dir;
}

/**
 * Where build products live (Maven classpath, compiled Java helpers, CDS archive): every entry
 * is keyed by a hash of its inputs, so all state dirs of a checkout share one cache (a test
 * that starts a private cluster in its own state dir does not pay for mvn + javac again).
 * `<repo>/.kafka-wire/cache/` unless KAFKA_WIRE_CACHE_DIR.
 */
export function cacheDir() {
  const dir = process.env.KAFKA_WIRE_CACHE_DIR
    ? path.resolve(process.env.KAFKA_WIRE_CACHE_DIR)
    : path.join(REPO_ROOT, '.kafka-wire', 'cache');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Write via rename so a concurrent reader never sees half a file. */
export function writeJson(file, value) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** Last `n` lines of a log file (for failure messages). */
export function tail(file, n = 40) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').slice(-n - 1).join('\n');
  } catch {
    return '(no log)';
  }
}

/** True if `cmd` is on PATH. */
export function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Whether `pid` is a live process. A zombie (exited, not yet reaped by its parent) counts as
 * dead: it holds no ports or files any more, and signalling it is pointless.
 */
export function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (e.code !== 'EPERM') return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3 (after the parenthesised command name) is the state letter.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (macOS): trust kill(0)
  }
}

/**
 * Whether `pid` is still the process we started, not a recycled pid now owned by someone else:
 * every process we start carries the state dir on its command line, as an argument of its own
 * (mock: `--state DIR`) or as `-Dkafka.wire.state=DIR` (Kafka). Exact match, so clusters of
 * other state dirs (other checkouts, KAFKA_WIRE_STATE_DIR) are never touched.
 */
export function ownsProcess(pid, marker) {
  if (!isAlive(pid)) return false;
  try {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.some((a) => a === marker || a === `-Dkafka.wire.state=${marker}`);
  } catch {
    return true; // no /proc: best effort
  }
}

/**
 * Stop processes we started: SIGTERM (to the process group, since we spawn them detached as
 * group leaders, so helpers they fork die too), then SIGKILL whatever is left after `timeoutMs`.
 * Returns the pids that needed SIGKILL.
 */
export async function stopProcesses(pids, { timeoutMs = 15_000, marker } = {}) {
  const mine = pids.filter((pid) => (marker ? ownsProcess(pid, marker) : isAlive(pid)));
  const signal = (pid, sig) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  for (const pid of mine) signal(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && mine.some(isAlive)) await sleep(100);
  const killed = mine.filter(isAlive);
  for (const pid of killed) signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (Date.now() < killDeadline && killed.some(isAlive)) await sleep(50);
  return killed;
}

/**
 * `n` distinct free TCP ports on 127.0.0.1. All listeners stay open until every port is known,
 * so the kernel cannot hand out the same port twice; a port can still be taken between now and
 * the broker binding it, which `up` reports as a startup failure (rare; rerun).
 */
export async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i++) {
      const srv = net.createServer();
      servers.push(srv);
      await new Promise((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
  }
}

/**
 * A cross-process lock (a file created with O_EXCL holding the owner's pid), so a CLI `up`
 * and the test global setup never start two clusters into the same state entry. A lock whose
 * owner died is taken over.
 */
export async function withLock(file, fn, { timeoutMs = 300_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const owner = Number(fs.readFileSync(file, 'utf8'));
      if (!isAlive(owner)) {
        fs.rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${file} held by pid ${owner}`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/**
 * Ask one broker for cluster metadata with a hand-encoded Metadata v1 request (no topics).
 * v1 is in range for every broker we start: Kafka 4 (KIP-896 removed old versions of many
 * APIs, but Metadata still starts at v0) and librdkafka's mock (Metadata <= v2).
 * Resolves `{ controllerId, brokers: [{ id, host, port }] }` or rejects on any error/timeout.
 */
export function probeMetadata(host, port, timeoutMs = 2_000) {
  // body (v1): topics ARRAY (0 = no topics; -1 would mean all topics)
  return probeRequest(host, port, timeoutMs, 'metadata', 3, 1, Buffer.alloc(4), (buf) => {
    let p = 8; // size + correlation id
    const n = buf.readInt32BE(p);
    p += 4;
    const brokers = [];
    for (let i = 0; i < n; i++) {
      const id = buf.readInt32BE(p);
      p += 4;
      const hlen = buf.readInt16BE(p);
      p += 2;
      const h = buf.toString('utf8', p, p + hlen);
      p += hlen;
      const prt = buf.readInt32BE(p);
      p += 4;
      const rlen = buf.readInt16BE(p); // rack: nullable string
      p += 2 + Math.max(rlen, 0);
      brokers.push({ id, host: h, port: prt });
    }
    const controllerId = buf.readInt32BE(p);
    return { controllerId, brokers };
  });
}

/**
 * One hand-encoded request (header v1: api key, version, correlation id 1, client id
 * `kafka-wire-probe`; then `body`) on a fresh connection; `parse` reads the whole answer frame
 * (size prefix included). Rejects on a connection error, a parse error or after `timeoutMs`.
 * The probes need no build of the project, so they do not use its codecs.
 */
function probeRequest(host, port, timeoutMs, what, apiKey, version, body, parse) {
  return new Promise((resolve, reject) => {
    const clientId = Buffer.from('kafka-wire-probe');
    const head = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
    let o = 0;
    o = head.writeInt16BE(apiKey, o);
    o = head.writeInt16BE(version, o);
    o = head.writeInt32BE(1, o); // correlation id
    o = head.writeInt16BE(clientId.length, o);
    clientId.copy(head, o);
    const size = Buffer.alloc(4);
    size.writeInt32BE(head.length + body.length, 0);
    const frame = Buffer.concat([size, head, body]);
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    const done = (err, value) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => done(new Error(`${what} probe ${host}:${port} timed out`)), timeoutMs);
    sock.on('connect', () => sock.write(frame));
    sock.on('error', (e) => done(e));
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      try {
        done(null, parse(buf));
      } catch (e) {
        done(e);
      }
    });
  });
}

/*
 * Leases: several vitest runs (or a test run and `npm start`) in one checkout share one cluster
 * per state dir. Each user holds a lease (an empty file named after its pid); a cluster started
 * on behalf of lease holders ("managed") is stopped by whichever holder releases last, so the run
 * that started it never pulls it from under a run still using it. Leases of dead processes
 * are ignored and cleaned up. A cluster started with the CLI is not managed: only `down` stops it.
 */
const leaseDir = (dir) => path.join(dir, 'leases');

export function addLease(dir, kind) {
  fs.mkdirSync(leaseDir(dir), { recursive: true });
  fs.writeFileSync(path.join(leaseDir(dir), `${kind}.${process.pid}`), '');
}

export function dropLease(dir, kind) {
  fs.rmSync(path.join(leaseDir(dir), `${kind}.${process.pid}`), { force: true });
}

/** Pids of other live processes holding a lease on `kind`; stale lease files are removed. */
export function otherLeaseHolders(dir, kind) {
  let names = [];
  try {
    names = fs.readdirSync(leaseDir(dir));
  } catch {
    return [];
  }
  const holders = [];
  for (const name of names) {
    if (!name.startsWith(`${kind}.`)) continue;
    const pid = Number(name.slice(kind.length + 1));
    if (pid === process.pid) continue;
    if (isAlive(pid)) holders.push(pid);
    else fs.rmSync(path.join(leaseDir(dir), name), { force: true });
  }
  return holders;
}

/**
 * Ask one broker which API versions it supports (ApiVersions v0, which every broker answers).
 * Resolves a Map apiKey -> { min, max }, or rejects on any error/timeout. Tells librdkafka's
 * mock (ApiVersions <= v2) from a real Kafka.
 */
export function probeApiVersions(host, port, timeoutMs = 2_000) {
  return probeRequest(host, port, timeoutMs, 'ApiVersions', 18, 0, Buffer.alloc(0), (buf) => {
    let p = 8; // size + correlation id
    const error = buf.readInt16BE(p);
    p += 2;
    if (error !== 0) throw new Error(`ApiVersions v0 answered error ${error}`);
    const n = buf.readInt32BE(p);
    p += 4;
    const versions = new Map();
    for (let i = 0; i < n; i++) {
      versions.set(buf.readInt16BE(p), { min: buf.readInt16BE(p + 2), max: buf.readInt16BE(p + 4) });
      p += 6;
    }
    return versions;
  });
}

/**
 * Stop, down and release for a test broker that runs as one detached process whose state is
 * <state>/<kind>.json under <state>/<kind>.lock (librdkafka's mock, kfake): one implementation
 * for both. `stop(st, dir)` kills the process and forgets the state; `down()` does that under the
 * lock; `release()` drops this process's lease and stops a managed broker nobody else holds.
 */
export function processBrokerLifecycle(kind) {
  const stateFile = (dir) => path.join(dir, `${kind}.json`);
  const lock = (dir) => path.join(dir, `${kind}.lock`);
  const stop = async (st, dir) => {
    const killed = await stopProcesses([st.pid], { marker: dir, timeoutMs: 5_000 });
    fs.rmSync(stateFile(dir), { force: true });
    return killed;
  };
  const down = async () => {
    const dir = stateDir();
    return withLock(lock(dir), async () => {
      const st = readJson(stateFile(dir));
      if (!st) return null;
      const killed = await stop(st, dir);
      return { pids: [st.pid], killed };
    });
  };
  const release = async () => {
    const dir = stateDir();
    return withLock(lock(dir), async () => {
      dropLease(dir, kind);
      const st = readJson(stateFile(dir));
      if (!st?.managed || otherLeaseHolders(dir, kind).length > 0) return false;
      await stop(st, dir);
      return true;
    });
  };
  return { stop, down, release };
}
