// Starts the brokers the live suites need, once per vitest run, and stops what it started.
//
//  - Kafka: a single-broker KRaft cluster (tools/broker). If one is already up, it is reused: one
//    started with `npm run broker -- up` is left running; one started by a test run is shared
//    through leases and stopped by the last run to finish (so concurrent runs in one checkout do
//    not pull it from under each other). If KAFKA_BOOTSTRAP is set, that external cluster is
//    used and nothing starts; tests that stop/restart brokers skip (kafkaExternal = true).
//  - librdkafka's mock cluster: shared, for tests that only need a broker that answers; fault
//    tests start a private one (test/helpers/mock-cluster.ts, MockCluster.start).
//
// Brokers start only when the run includes a file under test/live/ (so `vitest run test/unit`
// stays instant). KAFKA_WIRE_LIVE=0 never starts them, KAFKA_WIRE_LIVE=1 always does.
//
// Tests read the addresses with inject('kafkaBootstrap') etc. (typed below) or from the env
// vars KAFKA_BOOTSTRAP, KAFKA_WIRE_MOCK_BOOTSTRAP, KAFKA_WIRE_MOCK_CONTROL_PORT; the helpers in
// test/helpers/kafka.ts wrap both.

import type { TestProject } from 'vitest/node';
import { kafkaRelease, kafkaUp, mockRelease, mockUp } from '../../tools/broker/index.mjs';

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
  }
}

const log = (msg: string) => process.stderr.write(`[global-setup] ${msg}\n`);

/** Whether any test file of this run lives under test/live/. */
function runIncludesLiveTests(project: TestProject): boolean {
  const forced = process.env.KAFKA_WIRE_LIVE;
  if (forced === '0' || forced === '1') return forced === '1';
  try {
    // The paths of this run's test files are recorded before global setup runs (vitest 3
    // state API, marked experimental: if it changes shape or says nothing, start the brokers).
    const files = project.vitest.state.getPaths();
    return files.length === 0 || files.some((f) => /[\\/]test[\\/]live[\\/]/.test(f));
  } catch {
    return true;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KAFKA_BOOTSTRAP || null;
  project.provide('kafkaExternal', external !== null);
  project.provide('kafkaBootstrap', external);
  project.provide('mockBootstrap', null);
  project.provide('mockControlPort', null);
  if (external) process.env.KAFKA_WIRE_KAFKA_EXTERNAL = '1';

  if (!runIncludesLiveTests(project)) return async () => {};

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
      // No gcc/librdkafka-dev on a developer machine: mock tests skip. CI must have it.
      if (process.env.CI) throw e;
      log(`mock cluster unavailable, its tests will skip: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    },
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
    const [k, m] = await Promise.all([kafka, mock]);
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
    log(`brokers ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: kafka=${k?.bootstrap ?? external} mock=${m?.bootstrap ?? 'none'}`);
  } catch (e) {
    // Wait for the other start to settle, so nothing it starts is left behind.
    await Promise.allSettled([kafka, mock]);
    await stopAll();
    throw e;
  }

  return stopAll;
}
