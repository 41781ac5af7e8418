/**
 * Runs the catalogue against one cluster: resolves the producer properties the way the Producer
 * does (security.protocol, ssl.*, sasl.* through the same ChannelSecurity), probes the cluster
 * once, then runs each selected check in turn, each with its own client and topic, each within
 * its own timeout — a broker that hangs fails that check (its connections are closed, which
 * fails whatever it was waiting for), and the run goes on — and cleans up what each created.
 *
 * Owns: the run's ChannelSecurity (its SASL authenticator and token refresh: closed at the end),
 * the check selection, the results. The verdicts are the checks' own.
 */
import { resolveConfig } from '../config.js';
import { KafkaWireError } from '../errors.js';
import type { ProducerConfig } from '../index.js';
import { channelSecurityFrom, type ChannelSecurity } from '../network/channel-security.js';
import type { FrameTap } from '../network/connection.js';
import { FrameTracer, type TraceListener } from '../observability/trace.js';
import { getCodec } from '../compression/index.js';
import { SystemClock, type Clock } from '../network/index.js';
import { apiName } from '../protocol/api-keys.js';
import { currentRuntime, type Runtime } from '../runtime/runtime.js';
import { CATALOGUE } from './catalogue.js';
import { CheckContext, SkipCheck, type Check, type CheckGroup, type Level, type Outcome, type Status } from './check.js';
import { ConformanceClient } from './client.js';
import type { PartitionRef } from './reader.js';
import { createTopic, deleteTopics, type TopicSpec } from './topics.js';

export interface ConformanceOptions {
  readonly bootstrap: string;
  /** Producer properties (a --producer.config file): security.*, ssl.*, sasl.*, client.id, request.timeout.ms, ... */
  readonly properties?: Readonly<Record<string, string>>;
  /** Check ids, or id prefixes (`produce` selects every produce.* check). Default: all. */
  readonly only?: readonly string[];
  /** Per-check timeout (ms); a check may ask for more. Default 20000. */
  readonly checkTimeoutMs?: number;
  /** Receives a trace event per request and response: the suite's own connections and the Producer's (--trace). */
  readonly trace?: TraceListener;
  /** Called after each check. */
  readonly onResult?: (result: CheckResult, index: number, total: number) => void;
  readonly runtime?: Runtime;
  readonly clock?: Clock;
  /** Topic names start with this (default kw-conformance). */
  readonly topicPrefix?: string;
}

export interface CheckResult {
  readonly id: string;
  readonly group: CheckGroup;
  readonly title: string;
  readonly reference: string;
  readonly level: Level;
  readonly expected: string;
  readonly status: Status;
  readonly observed: string;
  readonly notes: readonly string[];
  readonly durationMs: number;
}

export interface ClusterDescription {
  readonly bootstrap: string;
  readonly securityProtocol: string;
  readonly clusterId: string | null;
  readonly brokers: number;
  /** `Produce v0-13, Fetch v4-17, ...` for the APIs kafka-wire speaks. */
  readonly apis: string;
  /** Finalized features (ApiVersions v3+): name -> level. */
  readonly features: Readonly<Record<string, number>>;
}

export interface ConformanceReport {
  readonly cluster: ClusterDescription;
  readonly startedAt: string;
  readonly results: readonly CheckResult[];
  readonly summary: { readonly pass: number; readonly fail: number; readonly skip: number; readonly info: number; readonly mustFailed: number; readonly shouldFailed: number };
}

const DEFAULT_CHECK_TIMEOUT_MS = 20_000;

/** The checks `only` selects (all when absent); an entry that selects nothing is an error. */
export function selectChecks(only: readonly string[] | undefined, catalogue: readonly Check[] = CATALOGUE): Check[] {
  if (only === undefined || only.length === 0) return [...catalogue];
  const wanted = only.map((s) => s.trim()).filter((s) => s !== '');
  for (const w of wanted) {
    if (!catalogue.some((c) => c.id === w || c.id.startsWith(`${w}.`))) {
      throw new KafkaWireError('ILLEGAL_ARGUMENT', `no conformance check is named ${JSON.stringify(w)} or starts with ${JSON.stringify(`${w}.`)} (kafka-wire conformance --list names them)`);
    }
  }
  return catalogue.filter((c) => wanted.some((w) => c.id === w || c.id.startsWith(`${w}.`)));
}

interface Session {
  readonly options: ConformanceOptions;
  readonly runtime: Runtime;
  readonly clock: Clock;
  readonly security: ChannelSecurity;
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly properties: Readonly<Record<string, string>>;
  nextTopic: number;
  readonly runId: string;
  readonly tap: FrameTap | undefined;
}

function newClient(s: Session): ConformanceClient {
  return new ConformanceClient({
    bootstrap: s.options.bootstrap,
    transport: s.runtime.transport(),
    security: s.security,
    clock: s.clock,
    clientId: s.clientId,
    requestTimeoutMs: s.requestTimeoutMs,
    connectTimeoutMs: s.connectTimeoutMs,
    ...(s.tap ? { tap: s.tap } : {}),
  });
}

function withTimeout<T>(clock: Clock, ms: number, work: Promise<T>, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimer(() => reject(onTimeout()), ms);
    work.then(
      (v) => {
        timer.cancel();
        resolve(v);
      },
      (e: unknown) => {
        timer.cancel();
        reject(e);
      },
    );
  });
}

class CheckTimeout extends Error {}

function describe(error: unknown): string {
  if (error instanceof KafkaWireError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

async function runCheck(s: Session, check: Check): Promise<CheckResult> {
  const started = s.clock.now();
  const timeoutMs = check.timeoutMs ?? s.options.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const client = newClient(s);
  const created: string[] = [];
  const ctx = new CheckContext({
    client,
    clock: s.clock,
    codecOptions: s.runtime.codecOptions ?? {},
    producerConfig: () => {
      const config: ProducerConfig = { ...s.properties, 'bootstrap.servers': s.options.bootstrap, 'client.id': `${s.clientId}-producer` };
      delete config['transactional.id'];
      if (s.options.trace) config.trace = s.options.trace;
      return config;
    },
    createTopic: async (name: string, spec: TopicSpec): Promise<PartitionRef[]> => {
      created.push(name);
      return createTopic(client, s.clock, name, spec, Math.max(1_000, timeoutMs - (s.clock.now() - started) - 1_000));
    },
    track: (name) => void created.push(name),
    uniqueName: (label) => `${s.options.topicPrefix ?? 'kw-conformance'}-${s.runId}-${++s.nextTopic}-${label.replace(/[^a-zA-Z0-9._-]/g, '-')}`.slice(0, 240),
  });
  let outcome: Outcome;
  let timedOut = false;
  try {
    const work = (async (): Promise<Outcome> => {
      await client.connect();
      if (check.topic !== undefined) ctx.setTopic(await ctx.createTopic(ctx.uniqueName(check.id), check.topic));
      return check.run(ctx);
    })();
    work.catch(() => {}); // after a timeout nobody awaits it
    outcome = await withTimeout(s.clock, timeoutMs, work, () => new CheckTimeout());
  } catch (error) {
    if (error instanceof CheckTimeout) {
      timedOut = true;
      outcome = { status: 'fail', observed: `no verdict within ${timeoutMs} ms: the broker did not answer (the check's connections were closed)` };
    } else if (error instanceof SkipCheck) outcome = { status: 'skip', observed: error.message };
    else outcome = { status: 'fail', observed: describe(error) };
  } finally {
    client.close();
  }
  if (check.level === 'INFO' && outcome.status !== 'skip') outcome = { status: 'info', observed: outcome.observed };
  const notes = [...ctx.notes];
  if (created.length > 0) {
    // A fresh client: the check's may be closed or its broker connection broken by the check.
    const cleaner = newClient(s);
    try {
      const note = await withTimeout(s.clock, timedOut ? 3_000 : 10_000, cleaner.connect().then(() => deleteTopics(cleaner, created)), () => new CheckTimeout());
      if (note) notes.push(note);
    } catch (error) {
      notes.push(`could not delete ${created.join(', ')}: ${error instanceof CheckTimeout ? 'no answer' : describe(error)}`);
    } finally {
      cleaner.close();
    }
  }
  return {
    id: check.id,
    group: check.group,
    title: check.title,
    reference: check.reference,
    level: check.level,
    expected: check.expected,
    status: outcome.status,
    observed: outcome.observed,
    notes,
    durationMs: Math.round(s.clock.now() - started),
  };
}

/** The cluster as the run saw it first (a failure here ends the run: nothing could be checked). */
async function describeCluster(s: Session): Promise<ClusterDescription> {
  const client = newClient(s);
  try {
    const work = (async (): Promise<ClusterDescription> => {
      await client.connect();
      const md = await client.metadata([]);
      const av = client.apiVersions;
      const apis = av.apiKeys
        .filter((k) => [0, 1, 2, 3, 10, 17, 18, 19, 20, 22, 24, 25, 26, 28, 36].includes(k.apiKey))
        .map((k) => `${apiName(k.apiKey)} v${k.minVersion}-${k.maxVersion}`)
        .join(', ');
      const features: Record<string, number> = {};
      for (const f of av.finalizedFeatures) features[f.name] = f.maxVersionLevel;
      return { bootstrap: s.options.bootstrap, securityProtocol: s.security.protocol, clusterId: md.clusterId, brokers: md.brokers.length, apis, features };
    })();
    work.catch(() => {});
    return await withTimeout(s.clock, s.connectTimeoutMs + s.requestTimeoutMs, work, () => new CheckTimeout());
  } catch (error) {
    const why = error instanceof CheckTimeout ? 'no answer' : describe(error);
    throw new KafkaWireError('NETWORK_EXCEPTION', `cannot run the conformance suite: ${s.options.bootstrap} did not answer ApiVersions and Metadata (${why})`);
  } finally {
    client.close();
  }
}

/** Runs the selected checks against `options.bootstrap`; never throws for a failing check. */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const checks = selectChecks(options.only);
  const runtime = options.runtime ?? currentRuntime();
  const clock = options.clock ?? SystemClock;
  const properties = { ...(options.properties ?? {}) };
  const resolved = resolveConfig({ ...properties, 'bootstrap.servers': options.bootstrap });
  const security = channelSecurityFrom(resolved.values, resolved.explicit, {
    runtimeName: runtime.name,
    ...(runtime.loadTls ? { loadTls: (settings) => runtime.loadTls!(settings) } : {}),
    clock,
    logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  const codecOptions = runtime.codecOptions ?? {};
  const tracer = options.trace
    ? new FrameTracer(options.trace, { decompress: async (id, data) => (await getCodec(id, codecOptions)).decompress(data) })
    : undefined;
  const session: Session = {
    tap: tracer?.tap,
    options,
    runtime,
    clock,
    security,
    clientId: resolved.explicit.has('client.id') ? resolved.str('client.id') : 'kafka-wire-conformance',
    requestTimeoutMs: Math.min(resolved.int('request.timeout.ms'), 15_000),
    connectTimeoutMs: Math.min(resolved.int('socket.connection.setup.timeout.ms'), 10_000),
    properties,
    nextTopic: 0,
    runId: Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0'),
  };
  const startedAt = new Date(clock.wallClockMs?.() ?? Date.now()).toISOString();
  try {
    const cluster = await describeCluster(session);
    const results: CheckResult[] = [];
    for (const check of checks) {
      const result = await runCheck(session, check);
      results.push(result);
      options.onResult?.(result, results.length - 1, checks.length);
    }
    const count = (st: Status): number => results.filter((r) => r.status === st).length;
    return {
      cluster,
      startedAt,
      results,
      summary: {
        pass: count('pass'),
        fail: count('fail'),
        skip: count('skip'),
        info: count('info'),
        mustFailed: results.filter((r) => r.status === 'fail' && r.level === 'MUST').length,
        shouldFailed: results.filter((r) => r.status === 'fail' && r.level === 'SHOULD').length,
      },
    };
  } finally {
    security.sasl?.close?.();
    await tracer?.flush();
  }
}
