// A real Apache Kafka cluster (KRaft, no ZooKeeper) run from the jars Maven puts in ~/.m2.
//
// Layout of one cluster:
//   <state>/kafka.json                 pids, ports, dirs, bootstrap (the source of truth for down/status)
//   <state>/logs/kafka-node-<id>.log   each node's stdout+stderr (kept after `down` for post-mortems)
//   <repo>/.kafka-wire/cache/          classpath resolved by Maven, compiled Java helpers, CDS
//                                      archive: shared by all state dirs (tools/broker/java.mjs)
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
import { DEFAULT_KAFKA_VERSION, javaHelpers, kafkaClasspath, pomFor, writeArgFile } from './java.mjs';

export { DEFAULT_KAFKA_VERSION };

const BROKER_LOG4J = path.join(REPO_ROOT, 'tools', 'kafka', 'log4j2.properties');

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
