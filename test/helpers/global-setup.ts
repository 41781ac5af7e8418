// Starts the brokers the live suites need, once per vitest run, and stops what it started.
//
//  - Kafka: a single-broker KRaft cluster (tools/broker). If one is already up, it is reused: one
//    started with `npm run broker -- up` is left running; one started by a test run is shared
//    through leases and stopped by the last run to finish (so concurrent runs in one checkout do
//    not pull it from under each other). If KAFKA_BOOTSTRAP is set, that external cluster is
//    used and nothing starts; tests that stop/restart brokers skip (kafkaExternal = true).
//  - librdkafka's mock cluster: shared, for tests that only need a broker that answers; fault
//    tests start a private one (test/helpers/mock-cluster.ts, MockCluster.start). Its system
//    package, librdkafka-dev, is installed here with apt-get if missing and we run as root;
//    otherwise the mock suites skip, and the reason (naming the package and the command) is
//    printed with every skipped test (test/helpers/skip-reporter.ts).
//  - The secured Kafka (tools/broker/secure.mjs: TLS, mTLS, SASL, OAUTHBEARER, ACLs), only when
//    the run includes a test/live/secure* file; shared by lease like the plain one, in a state dir
//    of its own. Tests read its description with secureCluster() (test/helpers/secure-cluster.ts).
//  - Kafka 3.9.1 (transactions v1), single node, only when the run includes a test/live/*txn* or
//    *kafka39* file; shared by lease. Tests read it with kafka39Bootstrap() (test/helpers/kafka39.ts).
//  - Bun, for test/live/bun.test.ts: fetched once from the npm registry into ~/.cache/kafka-wire.
//  - Deno and workerd, for test/live/*runtime-*.test.ts (Deno 2; the Cloudflare Workers runtime):
//    fetched the same way (tools/broker/system-deps.mjs ensureDeno / ensureWorkerd), only when
//    such a file is included. Tests read them with inject('denoBin') / inject('workerdBin'), and
//    the skip reason with inject('denoUnavailable') / inject('workerdUnavailable').
//  - The Java clients the read-back helpers use when kcat is not installed (Kafka 4.4's, and
//    kafka-clients 2.3.1 for the mock): resolved and compiled once, before the workers start.
//
// Everything fetched is cached (~/.m2, ~/.cache/kafka-wire, .kafka-wire/cache) and each step
// says what it does on stderr.
//
// Brokers start only when the run includes a file under test/live/ (so `vitest run test/unit`
// stays instant). KAFKA_WIRE_LIVE=0 never starts them, KAFKA_WIRE_LIVE=1 always does.
//
// Tests read the addresses with inject('kafkaBootstrap') etc. (typed below) or from the env
// vars KAFKA_BOOTSTRAP, KAFKA_WIRE_MOCK_BOOTSTRAP, KAFKA_WIRE_MOCK_CONTROL_PORT,
// KAFKA_WIRE_SECURE_DESCRIPTION (the description's path), KAFKA_WIRE_KAFKA39_BOOTSTRAP; the
// helpers in test/helpers/kafka.ts, secure-cluster.ts and kafka39.ts wrap both.

import { spawnSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import {
  ensureBun,
  kafkaPrepare,
  kafkaRelease,
  kafkaUp,
  mockRelease,
  mockUp,
  secureRelease,
  secureUp,
  type SecureClusterDescription,
} from '../../tools/broker/index.mjs';
import { ensureDeno, ensureWorkerd } from '../../tools/broker/system-deps.mjs';
import { recordUnavailable } from './skip-reporter.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** bootstrap.servers of the run's Kafka, or null when none was started. */
    kafkaBootstrap: string | null;
    /** True when Kafka came from KAFKA_BOOTSTRAP: do not stop or restart its brokers. */
    kafkaExternal: boolean;
    /** bootstrap.servers of the shared mock cluster, or null when unavailable. */
    mockBootstrap: string | null;
    /** Control port (127.0.0.1) of the shared mock cluster, or null. */
    mockControlPort: number | null;
    /** Why the mock cluster is not available (null when it is): the skip reason. */
    mockUnavailable: string | null;
    /** The Bun binary for test/live/bun.test.ts, or null. */
    bunBin: string | null;
    /** Why Bun is not available (null when it is): the skip reason. */
    bunUnavailable: string | null;
    /** The secured Kafka's description, or null when the run started none. */
    secureCluster: SecureClusterDescription | null;
    /** bootstrap.servers of the run's Kafka 3.9.1, or null when the run started none. */
    kafka39Bootstrap: string | null;
    /** The Deno binary for test/live/*runtime-deno*, or null. */
    denoBin: string | null;
    /** Why Deno is not available (null when it is): the skip reason. */
    denoUnavailable: string | null;
    /** The workerd binary for test/live/runtime-workers / runtime-package, or null. */
    workerdBin: string | null;
    /** Why workerd is not available (null when it is): the skip reason. */
    workerdUnavailable: string | null;
  }
}

/** The Kafka version the *txn* and *kafka39* suites get beside 4.4 (transactions v1). */
const KAFKA_39 = '3.9.1';

const log = (msg: string) => process.stderr.write(`[global-setup] ${msg}\n`);

/** Whether any test file of this run matches `re` (true when the file list is unknown). */
function runIncludes(project: TestProject, re: RegExp): boolean {
  try {
    // The paths of this run's test files are recorded before global setup runs (vitest 3
    // state API, marked experimental: if it changes shape or says nothing, assume all).
    const files = project.vitest.state.getPaths();
    return files.length === 0 || files.some((f) => re.test(f));
  } catch {
    return true;
  }
}

/** Whether any test file of this run lives under test/live/. */
function runIncludesLiveTests(project: TestProject): boolean {
  const forced = process.env.KAFKA_WIRE_LIVE;
  if (forced === '0' || forced === '1') return forced === '1';
  return runIncludes(project, /[\\/]test[\\/]live[\\/]/);
}

function haveKcat(): boolean {
  if (process.env.KAFKA_WIRE_READER === 'kcat') return true;
  return spawnSync('sh', ['-c', 'command -v kcat'], { stdio: 'ignore' }).status === 0;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KAFKA_BOOTSTRAP || null;
  project.provide('kafkaExternal', external !== null);
  project.provide('kafkaBootstrap', external);
  project.provide('mockBootstrap', null);
  project.provide('mockControlPort', null);
  project.provide('mockUnavailable', null);
  project.provide('bunBin', null);
  project.provide('bunUnavailable', null);
  project.provide('secureCluster', null);
  project.provide('kafka39Bootstrap', null);
  project.provide('denoBin', null);
  project.provide('denoUnavailable', null);
  project.provide('workerdBin', null);
  project.provide('workerdUnavailable', null);
  if (external) process.env.KAFKA_WIRE_KAFKA_EXTERNAL = '1';

  if (!runIncludesLiveTests(project)) {
    const why = process.env.KAFKA_WIRE_LIVE === '0' ? 'KAFKA_WIRE_LIVE=0: no brokers started' : null;
    if (why) recordUnavailable('live brokers', why);
    project.provide('mockUnavailable', why);
    return async () => {};
  }

  const teardown: (() => Promise<unknown>)[] = [];
  const t0 = Date.now();

  // Kafka (seconds) and the mock (milliseconds) start side by side.
  const kafka = external
    ? Promise.resolve(null)
    : kafkaUp({ log, lease: true }).then((st) => {
        teardown.push(() => kafkaRelease());
        if (st.reused) log(`reusing the running Kafka at ${st.bootstrap}${st.managed ? ' (shared with another test run)' : ' (left running)'}`);
        return st;
      });
  const mock = mockUp({ log, lease: true }).then(
    (st) => {
      teardown.push(() => mockRelease());
      return st;
    },
    (e: unknown) => {
      // librdkafka-dev missing and not installable here (not root), or no gcc: mock tests skip,
      // each with this reason. CI must have it.
      if (process.env.CI) throw e;
      const why = `mock cluster unavailable: ${e instanceof Error ? e.message : String(e)}`;
      log(`${why} -- its tests will skip`);
      recordUnavailable('mock cluster', why);
      project.provide('mockUnavailable', why);
      return null;
    },
  );
  // The secured cluster and Kafka 3.9.1 start beside the plain one, each only for the suites
  // that use it. (The secured one resolves the same jars as the plain one: the broker tool
  // shares one resolution and one compilation per process.)
  const secure = runIncludes(project, /[\\/]test[\\/]live[\\/]secure[^\\/]*$/)
    ? secureUp({ log: (m) => log(`secure: ${m}`), lease: true }).then((d) => {
        teardown.push(() => secureRelease());
        if (d.reused) log(`reusing the running secured Kafka (${d.description})${d.managed ? ' (shared with another test run)' : ' (left running)'}`);
        return d;
      })
    : Promise.resolve(null);
  const kafka39 = runIncludes(project, /[\\/]test[\\/]live[\\/][^\\/]*(txn|kafka39)[^\\/]*$/)
    ? kafkaUp({ version: KAFKA_39, log: (m) => log(`kafka ${KAFKA_39}: ${m}`), lease: true }).then((st) => {
        teardown.push(() => kafkaRelease({ version: KAFKA_39 }));
        if (st.reused) log(`reusing the running Kafka ${KAFKA_39} at ${st.bootstrap}${st.managed ? ' (shared with another test run)' : ' (left running)'}`);
        return st;
      })
    : Promise.resolve(null);
  // The Java clients for kcat-free read-back, resolved and compiled once here rather than by
  // parallel workers; after Kafka's start, which resolves the same jars (no two mvn at once).
  const javaClients = kafka.then(() => kafkaPrepare({ log }));
  const bun = runIncludes(project, /[\\/](bun|secure-producer|runtime-bun)\.test\.ts$/)
    ? ensureBun({ log }).then((b) => {
        if (b.bin !== null) {
          project.provide('bunBin', b.bin);
          process.env.BUN_BIN = b.bin;
          if (!b.fetched) log(`Bun ${b.version}: ${b.bin}`);
        } else {
          const why = `Bun unavailable: ${b.reason}`;
          log(`${why} -- test/live/bun.test.ts will skip`);
          recordUnavailable('bun', why);
          project.provide('bunUnavailable', why);
        }
      })
    : Promise.resolve();
  // Deno and workerd, like Bun: one binary each from the npm registry, cached; a missing one
  // skips its suites with the reason (CI must have them: a fetch failure there is an error).
  const runtimeBinary = (
    name: 'deno' | 'workerd',
    files: RegExp,
    ensure: (o: { log: (m: string) => void }) => Promise<{ bin: string; version: string; fetched: boolean } | { bin: null; reason: string }>,
  ): Promise<void> =>
    runIncludes(project, files)
      ? ensure({ log }).then((b) => {
          if (b.bin !== null) {
            project.provide(`${name}Bin`, b.bin);
            process.env[`${name.toUpperCase()}_BIN`] = b.bin;
            if (!b.fetched) log(`${b.version}: ${b.bin}`);
            return;
          }
          const why = `${name} unavailable: ${b.reason}`;
          if (process.env.CI) throw new Error(why);
          log(`${why} -- its suites will skip`);
          recordUnavailable(name, why);
          project.provide(`${name}Unavailable`, why);
        })
      : Promise.resolve();
  const deno = runtimeBinary('deno', /[\\/]test[\\/]live[\\/][^\\/]*runtime-(deno|package)[^\\/]*$/, ensureDeno);
  const workerd = runtimeBinary('workerd', /[\\/]test[\\/]live[\\/][^\\/]*runtime-(workers|package)[^\\/]*$/, ensureWorkerd);
  log(
    process.env.KAFKA_WIRE_READER === 'java' || !haveKcat()
      ? "read-back: Kafka's Java consumer (kcat is not installed; it is optional)"
      : 'read-back: kcat (librdkafka, CRC checks on)',
  );

  const stopAll = async () => {
    for (const stop of teardown.splice(0).reverse()) {
      try {
        await stop();
      } catch (e) {
        log(`teardown: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };

  try {
    const [k, m, sec, k39] = await Promise.all([kafka, mock, secure, kafka39, javaClients, bun, deno, workerd]);
    if (k) {
      project.provide('kafkaBootstrap', k.bootstrap);
      process.env.KAFKA_BOOTSTRAP = k.bootstrap;
    }
    if (m) {
      project.provide('mockBootstrap', m.bootstrap);
      project.provide('mockControlPort', m.controlPort);
      process.env.KAFKA_WIRE_MOCK_BOOTSTRAP = m.bootstrap;
      process.env.KAFKA_WIRE_MOCK_CONTROL_PORT = String(m.controlPort);
    }
    if (sec) {
      project.provide('secureCluster', sec);
      process.env.KAFKA_WIRE_SECURE_DESCRIPTION = sec.description;
    }
    if (k39) {
      project.provide('kafka39Bootstrap', k39.bootstrap);
      process.env.KAFKA_WIRE_KAFKA39_BOOTSTRAP = k39.bootstrap;
    }
    log(
      `brokers ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: kafka=${k?.bootstrap ?? external} mock=${m?.bootstrap ?? 'none'}` +
        (sec ? ` secure=${sec.description}` : '') +
        (k39 ? ` kafka${KAFKA_39}=${k39.bootstrap}` : ''),
    );
  } catch (e) {
    // Wait for the other starts to settle, so nothing they start is left behind.
    await Promise.allSettled([kafka, mock, secure, kafka39, javaClients, bun, deno, workerd]);
    await stopAll();
    throw e;
  }

  return stopAll;
}
