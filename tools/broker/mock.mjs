// librdkafka's mock cluster (tools/mock/mock-cluster.c) as a detached process.
//
//   <state>/mock.json        pid, bootstrap, control port
//   <state>/logs/mock.log    the process's stdout+stderr (first line: READY ...)
//
// The binary is compiled on first use (and again whenever the source is newer than it). Its one
// system dependency, Debian's librdkafka-dev, is installed first if missing and we are root
// (system-deps.mjs); otherwise `up` fails with a message naming the package and the command.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  REPO_ROOT,
  addLease,
  dropLease,
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
  processBrokerLifecycle,
} from './common.mjs';
import { APT_INSTALL_COMMAND, ensureLibrdkafkaDev, rdkafkaMockHeader } from './system-deps.mjs';

const SRC = path.join(REPO_ROOT, 'tools', 'mock', 'mock-cluster.c');
const BIN = path.join(REPO_ROOT, 'tools', 'mock', 'mock-cluster');
const stateFile = (dir) => path.join(dir, 'mock.json');

/**
 * Install librdkafka-dev if it is missing and we may (root), then compile the mock. Throws an
 * Error whose message says what is missing and the command that installs it.
 */
export async function prepareMock({ log = () => {} } = {}) {
  if (!fs.existsSync(BIN) || fs.statSync(BIN).mtimeMs < fs.statSync(SRC).mtimeMs) {
    const reason = await ensureLibrdkafkaDev({ log });
    if (reason) throw new Error(reason);
  }
  return buildMock({ log });
}

/** Compile tools/mock/mock-cluster if missing or older than its source; returns its path. */
export function buildMock({ log = () => {} } = {}) {
  if (fs.existsSync(BIN) && fs.statSync(BIN).mtimeMs >= fs.statSync(SRC).mtimeMs) return BIN;
  if (!have('gcc')) throw new Error('gcc is not installed: it builds the mock cluster (apt-get install gcc)');
  if (!fs.existsSync(rdkafkaMockHeader())) {
    throw new Error(`librdkafka-dev is not installed: the mock cluster needs rdkafka_mock.h (${APT_INSTALL_COMMAND})`);
  }
  log('compiling tools/mock/mock-cluster');
  const tmp = `${BIN}.${process.pid}.tmp`;
  const res = spawnSync('gcc', ['-O2', '-Wall', '-o', tmp, SRC, '-lrdkafka'], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`gcc failed:\n${res.stdout}${res.stderr}`);
  fs.renameSync(tmp, BIN); // atomic: a concurrent `up` never runs a half-written binary
  return BIN;
}

/** The running mock's state, or null; `alive` tells whether the process still runs. */
export function mockStatus() {
  const dir = stateDir();
  const st = readJson(stateFile(dir));
  if (!st) return null;
  return { ...st, alive: ownsProcess(st.pid, dir) };
}

/**
 * Start the mock cluster with N brokers, or return the running one (`reused: true`).
 * `lease` works as for kafkaUp (see kafka.mjs): test runs share, the last one out stops it.
 */
export async function mockUp({ brokers, log = () => {}, lease = false } = {}) {
  const dir = stateDir();
  return withLock(path.join(dir, 'mock.lock'), async () => {
    const existing = mockStatus();
    if (existing?.alive) {
      if (brokers !== undefined && brokers !== existing.brokers) {
        throw new Error(
          `a ${existing.brokers}-broker mock cluster is already up (${existing.bootstrap}); run \`npm run broker -- down --mock\` first`,
        );
      }
      if (lease) addLease(dir, 'mock');
      else if (existing.managed) writeJson(stateFile(dir), { ...readJson(stateFile(dir)), managed: false });
      return { ...existing, reused: true };
    }
    if (existing) await mockStop(existing, dir);

    const bin = await prepareMock({ log });
    const n = brokers ?? 1;
    const logFile = path.join(dir, 'logs', 'mock.log');
    const fd = fs.openSync(logFile, 'w');
    const child = spawn(bin, ['--brokers', String(n), '--state', dir], {
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    fs.closeSync(fd);
    child.unref();
    const st = { kind: 'mock', pid: child.pid, brokers: n, log: logFile, bootstrap: '', controlPort: 0, managed: lease };
    writeJson(stateFile(dir), st);

    try {
      // The READY line carries the ports the mock picked itself (no race for free ports).
      const deadline = Date.now() + 15_000;
      for (;;) {
        const m = /^READY bootstrap=(\S+) control=(\d+)/m.exec(fs.readFileSync(logFile, 'utf8'));
        if (m) {
          st.bootstrap = m[1];
          st.controlPort = Number(m[2]);
          break;
        }
        if (!isAlive(child.pid)) throw new Error(`mock cluster exited during startup\nlog: ${logFile}\n${tail(logFile)}`);
        if (Date.now() > deadline) throw new Error(`mock cluster did not start within 15 s\nlog: ${logFile}\n${tail(logFile)}`);
        await sleep(20);
      }
      const [host, port] = st.bootstrap.split(',')[0].split(':');
      await probeMetadata(host, Number(port), 5_000);
      writeJson(stateFile(dir), st);
      if (lease) addLease(dir, 'mock');
      log(`mock cluster up: ${n} broker(s), control port ${st.controlPort}`);
      return { ...st, alive: true, reused: false };
    } catch (e) {
      await mockStop(st, dir);
      throw e;
    }
  });
}

const lifecycle = processBrokerLifecycle('mock');
const mockStop = lifecycle.stop;

/** Stop the mock cluster (SIGTERM, SIGKILL after 5 s). Its data lives in memory only. */
export const mockDown = lifecycle.down;

/** Give up this process's lease; stop it if it is managed and nobody else holds one. */
export const mockRelease = lifecycle.release;
