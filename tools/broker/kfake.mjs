// franz-go's kfake (tools/kfake/main.go, a Go main around github.com/twmb/franz-go/pkg/kfake) as a
// detached process: a third test broker, an independent Kafka implementation that checks
// idempotent sequences as Kafka does, with a fault control channel like the mock's.
//
//   <state>/kfake.json        pid, brokers, bootstrap, control port
//   <state>/logs/kfake.log    the process's stdout+stderr (first line: READY ...)
//
// The binary is built with `go build` into the user cache (~/.cache/kafka-wire/kfake/), named
// by a hash of tools/kfake/{main.go,go.mod,go.sum} and the Go version, so a changed source is
// rebuilt and an unchanged one never is. The first build downloads kfake and franz-go (pinned by
// tools/kfake/go.mod) from the Go module proxy into Go's module cache. A missing Go is an error
// that says so.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  REPO_ROOT,
  addLease,
  dropLease,
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
  processBrokerLifecycle,
} from './common.mjs';
import { userCacheDir } from './system-deps.mjs';

const SRC_DIR = path.join(REPO_ROOT, 'tools', 'kfake');
const SOURCES = ['main.go', 'go.mod', 'go.sum'];
// Plain flags, so Go's build cache from other builds is reused (-trimpath or a changed CGO_ENABLED
// would recompile the standard library: minutes on a busy 2-core machine).
const BUILD_ARGS = ['build', '-buildvcs=false', '-o'];
const stateFile = (dir) => path.join(dir, 'kfake.json');

/** The Go binary: $GO, `go` on PATH, or Go's default install directory; null if none runs. */
function findGo() {
  for (const cand of [process.env.GO, 'go', '/usr/local/go/bin/go'].filter(Boolean)) {
    const r = spawnSync(cand, ['version'], { encoding: 'utf8' });
    if (r.status === 0) return { go: cand, version: r.stdout.trim() };
  }
  return null;
}

const MISSING_GO =
  'Go is not installed: the kfake broker (franz-go\'s kfake, tools/kfake/main.go) is built with `go build`. ' +
  'Install Go (1.26 or later; a Go >= 1.21 fetches the 1.26 toolchain tools/kfake/go.mod asks for by itself) and put it on PATH, or set GO=/path/to/go';

/**
 * Build tools/kfake into the user cache unless a binary of the same sources and Go version is
 * there; returns its path. Throws with a clear message when Go is missing or the build fails.
 */
export async function buildKfake({ log = () => {} } = {}) {
  const found = findGo();
  if (!found) throw new Error(MISSING_GO);
  const h = createHash('sha256').update(found.version).update(BUILD_ARGS.join(' '));
  for (const f of SOURCES) h.update(`\0${f}\0`).update(fs.readFileSync(path.join(SRC_DIR, f)));
  const dir = path.join(userCacheDir(), 'kfake');
  fs.mkdirSync(dir, { recursive: true });
  const bin = path.join(dir, `kfake-cluster-${h.digest('hex').slice(0, 16)}`);
  if (fs.existsSync(bin)) return bin;
  return withLock(path.join(dir, '.build.lock'), async () => {
    if (fs.existsSync(bin)) return bin;
    log(`building kfake with ${found.version} -> ${bin} (the first build downloads franz-go's kfake from the Go module proxy)`);
    const tmp = `${bin}.${process.pid}.tmp`;
    const t0 = Date.now();
    const res = await new Promise((resolve) => {
      const child = spawn(found.go, [...BUILD_ARGS, tmp, '.'], {
        cwd: SRC_DIR,
        env: { ...process.env, GOFLAGS: '-mod=readonly' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('error', (e) => resolve({ code: -1, out: String(e) }));
      child.on('close', (code) => resolve({ code, out }));
    });
    if (res.code !== 0) {
      fs.rmSync(tmp, { force: true });
      throw new Error(`go build of tools/kfake failed:\n${res.out}`);
    }
    fs.renameSync(tmp, bin); // atomic: a concurrent start never runs a half-written binary
    for (const old of fs.readdirSync(dir)) {
      if (old.startsWith('kfake-cluster-') && path.join(dir, old) !== bin && !old.endsWith('.tmp')) fs.rmSync(path.join(dir, old), { force: true });
    }
    log(`kfake built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return bin;
  });
}

/** What `prepare` calls: the same as buildKfake. */
export const prepareKfake = buildKfake;

/** The running kfake's state, or null; `alive` tells whether the process still runs. */
export function kfakeStatus() {
  const dir = stateDir();
  const st = readJson(stateFile(dir));
  if (!st) return null;
  return { ...st, alive: ownsProcess(st.pid, dir) };
}

/**
 * Start a kfake cluster with N brokers (default 3), or return the running one (`reused: true`).
 * `lease` works as for kafkaUp: test runs share, the last one out stops it.
 */
export async function kfakeUp({ brokers, log = () => {}, lease = false } = {}) {
  const dir = stateDir();
  return withLock(path.join(dir, 'kfake.lock'), async () => {
    const existing = kfakeStatus();
    if (existing?.alive) {
      if (brokers !== undefined && brokers !== existing.brokers) {
        throw new Error(
          `a ${existing.brokers}-broker kfake cluster is already up (${existing.bootstrap}); run \`npm run broker -- down --kfake\` first`,
        );
      }
      if (lease) addLease(dir, 'kfake');
      else if (existing.managed) writeJson(stateFile(dir), { ...readJson(stateFile(dir)), managed: false });
      return { ...existing, reused: true };
    }
    if (existing) await kfakeStop(existing, dir);

    const bin = await buildKfake({ log });
    const n = brokers ?? 3;
    const logFile = path.join(dir, 'logs', 'kfake.log');
    const fd = fs.openSync(logFile, 'w');
    const child = spawn(bin, ['--brokers', String(n), '--state', dir], { detached: true, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    child.unref();
    const st = { kind: 'kfake', pid: child.pid, brokers: n, log: logFile, bootstrap: '', controlPort: 0, managed: lease };
    writeJson(stateFile(dir), st);
    try {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const m = /^READY bootstrap=(\S+) control=(\d+)/m.exec(fs.readFileSync(logFile, 'utf8'));
        if (m) {
          st.bootstrap = m[1];
          st.controlPort = Number(m[2]);
          break;
        }
        if (!isAlive(child.pid)) throw new Error(`kfake exited during startup\nlog: ${logFile}\n${tail(logFile)}`);
        if (Date.now() > deadline) throw new Error(`kfake did not start within 15 s\nlog: ${logFile}\n${tail(logFile)}`);
        await sleep(20);
      }
      const [host, port] = st.bootstrap.split(',')[0].split(':');
      await probeMetadata(host, Number(port), 5_000);
      writeJson(stateFile(dir), st);
      if (lease) addLease(dir, 'kfake');
      log(`kfake cluster up: ${n} broker(s) (node ids 0..${n - 1}), control port ${st.controlPort}`);
      return { ...st, alive: true, reused: false };
    } catch (e) {
      await kfakeStop(st, dir);
      throw e;
    }
  });
}

const lifecycle = processBrokerLifecycle('kfake');
const kfakeStop = lifecycle.stop;

/** Stop the kfake cluster (SIGTERM, SIGKILL after 5 s). Its data lives in memory only. */
export const kfakeDown = lifecycle.down;

/** Give up this process's lease; stop it if it is managed and nobody else holds one. */
export const kfakeRelease = lifecycle.release;
