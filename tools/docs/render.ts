/**
 * Turns a scenario's trace (tools/docs/scenarios.ts) into the Markdown tables and Mermaid
 * sequence diagrams of docs/INTERNALS.md. Everything printed is computed from the trace: the
 * requests and answers on the wire, the broker's log (what it appended, and when), the sends and
 * the completions the application saw. Notes in the diagrams are derived the same way (a retry
 * is a batch whose sequence was sent before; an epoch bump is a higher epoch on a partition).
 */
import { ApiKey } from '../../src/protocol/api-keys.js';
import { dupKey, type Completion, type LoggedBatch, type Send, type Trace } from './scenarios.js';
import type { WireBatch, WireRequest, WireResponse } from './wire-tap.js';

const API_NAMES: Record<number, string> = { [ApiKey.Produce]: 'Produce', [ApiKey.Metadata]: 'Metadata', [ApiKey.ApiVersions]: 'ApiVersions', [ApiKey.InitProducerId]: 'InitProducerId' };
const apiName = (k: number): string => API_NAMES[k] ?? `api ${k}`;

/** A record value as printed: short ones as they are, long ones by their start and length. */
export function shortValue(v: string | null): string {
  if (v === null) return 'null';
  return v.length > 12 ? `${v.slice(0, 3)}…(${v.length} B)` : v;
}

const values = (vs: readonly (string | null)[]): string => vs.map(shortValue).join(', ');

/** One batch attempt: a batch in a Produce request and what became of it. */
export interface Attempt {
  request: WireRequest;
  batch: WireBatch;
  response: WireResponse | undefined;
  /** Error name, or NONE. undefined: no answer. */
  error: string | undefined;
  baseOffset: bigint;
  duplicate: boolean;
  /** The broker appended this attempt (its log has the batch, appended at the request's time). */
  appended: LoggedBatch | undefined;
  /** A batch with this partition/epoch/sequence was sent before. */
  retry: boolean;
}

const responseFor = (trace: Trace, req: WireRequest): WireResponse | undefined =>
  trace.events.find((e): e is WireResponse => e.kind === 'response' && e.connection === req.connection && e.correlationId === req.correlationId);

/** Every Produce batch attempt of the trace, in wire order. */
export function attempts(trace: Trace): Attempt[] {
  const out: Attempt[] = [];
  const seen = new Set<string>();
  const claimed = new Set<LoggedBatch>();
  for (const e of trace.events) {
    if (e.kind !== 'request' || e.apiKey !== ApiKey.Produce) continue;
    const response = responseFor(trace, e);
    for (const batch of e.batches ?? []) {
      const tp = `${batch.topic}-${batch.partition}`;
      const answer = response?.answers?.find((a) => a.topic === batch.topic && a.partition === batch.partition);
      const key = `${tp}|${batch.producerEpoch}|${batch.baseSequence}|${batch.values.join('\u0000')}`;
      const duplicate = trace.duplicates.has(dupKey(e.at, batch.topic, batch.partition, batch.producerEpoch, batch.baseSequence));
      const appended = duplicate
        ? undefined
        : trace.logs.get(tp)?.find((b) => !claimed.has(b) && b.appendedAt === e.at && b.producerEpoch === batch.producerEpoch && b.baseSequence === batch.baseSequence && b.values.join('\u0000') === batch.values.join('\u0000'));
      if (appended) claimed.add(appended);
      out.push({
        request: e,
        batch,
        response,
        error: answer?.error,
        baseOffset: answer?.baseOffset ?? -1n,
        duplicate,
        appended,
        retry: seen.has(key),
      });
      seen.add(key);
    }
  }
  return out;
}

function answerText(a: Attempt): string {
  if (a.error === undefined) return a.appended ? `no answer (appended at offset ${a.appended.baseOffset})` : 'no answer';
  if (a.error === 'NONE') return a.duplicate ? `NONE, offset ${a.baseOffset} (duplicate: the first append's offset)` : `NONE, offset ${a.baseOffset}`;
  return a.appended ? `${a.error} (after appending at offset ${a.appended.baseOffset})` : a.error;
}

const pidEpoch = (b: WireBatch): string => (b.producerId < 0n ? '—' : `${b.producerId} / ${b.producerEpoch}`);

/**
 * The request/response table: one row per Produce batch attempt, plus InitProducerId and
 * Metadata exchanges (ApiVersions handshakes are left out).
 */
export function exchangeTable(trace: Trace): string {
  const rows: string[] = [
    '| sent (ms) | request | partition | producer id / epoch | base seq | records | answered (ms) | answer |',
    '|---:|---|---|---|---:|---|---:|---|',
  ];
  const all = attempts(trace);
  const conns = new Set(trace.events.filter((e) => e.kind === 'request' && e.apiKey === ApiKey.Produce).map((e) => e.connection));
  for (const e of trace.events) {
    if (e.kind !== 'request' || e.apiKey === ApiKey.ApiVersions) continue;
    const conn = conns.size > 1 && e.apiKey === ApiKey.Produce ? `, connection ${e.connection}` : '';
    const label = `${apiName(e.apiKey)} v${e.apiVersion}, corr ${e.correlationId}${conn}`;
    if (e.apiKey === ApiKey.Produce) {
      for (const a of all.filter((x) => x.request === e)) {
        const b = a.batch;
        rows.push(`| ${e.at} | ${label}${a.retry ? ' (retry)' : ''} | ${b.topic}-${b.partition} | ${pidEpoch(b)} | ${b.baseSequence} | ${values(b.values)} | ${a.response ? a.response.at : '—'} | ${answerText(a)} |`);
      }
      continue;
    }
    const r = responseFor(trace, e);
    rows.push(`| ${e.at} | ${label} | | | | | ${r ? r.at : '—'} | ${r ? controlAnswer(r) : 'no answer'} |`);
  }
  return rows.join('\n');
}

function controlAnswer(r: WireResponse): string {
  if (r.error) return r.error;
  if (r.apiKey === ApiKey.InitProducerId) return `producer id ${r.producerId}, epoch ${r.producerEpoch}`;
  if (r.apiKey === ApiKey.Metadata) return `leaders: ${(r.leaders ?? []).join(', ')}`;
  return 'NONE';
}

/** What each record's callback (or promise) got, in the order they fired. */
export function completionTable(trace: Trace): string {
  const rows = ['| record | completed (ms) | result |', '|---|---:|---|'];
  for (const c of [...trace.completions].sort((x, y) => x.seq - y.seq)) rows.push(`| ${shortValue(c.id)} | ${c.at} | ${resultText(c)} |`);
  return rows.join('\n');
}

const resultText = (c: Completion): string => (c.error ? `failed: ${c.error}` : `offset ${c.offset}`);

/** The partition logs the broker ended with. */
export function logTable(trace: Trace, partitions: readonly string[]): string {
  const rows = ['| partition | base offset | producer epoch | base seq | records | appended at (ms) |', '|---|---:|---:|---:|---|---:|'];
  for (const tp of partitions) {
    for (const b of trace.logs.get(tp) ?? []) rows.push(`| ${tp} | ${b.baseOffset} | ${b.producerEpoch} | ${b.baseSequence} | ${values(b.values)} | ${b.appendedAt} |`);
  }
  return rows.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Mermaid

/** Mermaid message text: no statement separators or entity markers. */
const mm = (s: string): string => s.replace(/;/g, ',').replace(/#/g, 'no. ');

type Item = { seq: number; at: number } & ({ kind: 'send'; v: Send } | { kind: 'completion'; v: Completion } | { kind: 'request'; v: WireRequest } | { kind: 'response'; v: WireResponse });

function journal(trace: Trace, includeApiVersions: boolean): Item[] {
  const items: Item[] = [
    ...trace.sends.map((v): Item => ({ seq: v.seq, at: v.at, kind: 'send', v })),
    ...trace.completions.map((v): Item => ({ seq: v.seq, at: v.at, kind: 'completion', v })),
    ...trace.events.filter((e) => includeApiVersions || e.apiKey !== ApiKey.ApiVersions).map((v): Item => (v.kind === 'request' ? { seq: v.seq, at: v.at, kind: 'request', v } : { seq: v.seq, at: v.at, kind: 'response', v })),
  ];
  return items.sort((a, b) => a.seq - b.seq);
}

const batchText = (b: WireBatch): string => `${b.topic}-${b.partition} epoch ${b.producerEpoch} seq ${b.baseSequence} [${values(b.values)}]`;

/**
 * A sequence diagram of a scenario: the application, the producer and the broker. Consecutive
 * sends (and completions) are grouped into one arrow; a note marks each new point in time, each
 * epoch change of a partition, and each attempt the broker appended but answered with an error.
 */
export function sequenceDiagram(trace: Trace, options: { broker?: string } = {}): string {
  const lines = ['sequenceDiagram', '    participant App as application', '    participant P as producer', `    participant B as ${options.broker ?? 'broker 1'}`];
  const all = attempts(trace);
  const epochs = new Map<string, number>();
  let produceConnection = -1;
  let now = -1;
  const items = journal(trace, false);
  const time = (at: number): void => {
    if (at !== now) lines.push(`    Note over App,B: t = ${at} ms`);
    now = at;
  };
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (it.kind === 'send' || it.kind === 'completion') {
      // group a run of sends, or of completions, at the same time
      const group: Item[] = [it];
      while (i + 1 < items.length && items[i + 1]!.kind === it.kind && items[i + 1]!.at === it.at) group.push(items[++i]!);
      time(it.at);
      if (it.kind === 'send') lines.push(`    App->>P: ${mm(group.map((g) => `send(${shortValue((g.v as Send).id)})`).join(', '))}`);
      else lines.push(`    P-->>App: ${mm(group.map((g) => `${shortValue((g.v as Completion).id)}: ${resultText(g.v as Completion)}`).join(', '))}`);
      continue;
    }
    time(it.at);
    if (it.kind === 'request') {
      const e = it.v;
      if (e.apiKey !== ApiKey.Produce) {
        lines.push(`    P->>B: ${apiName(e.apiKey)}`);
        continue;
      }
      const mine = all.filter((a) => a.request === e);
      if (produceConnection >= 0 && e.connection !== produceConnection) lines.push(`    Note over P,B: a new connection (correlation ids restart)`);
      produceConnection = e.connection;
      for (const a of mine) {
        const tp = `${a.batch.topic}-${a.batch.partition}`;
        const before = epochs.get(tp);
        if (before !== undefined && a.batch.producerEpoch > before) lines.push(`    Note over P: ${tp}: epoch ${before} → ${a.batch.producerEpoch}, sequences from 0`);
        epochs.set(tp, a.batch.producerEpoch);
      }
      const retry = mine.some((a) => a.retry) ? ' (retry)' : '';
      lines.push(`    P->>B: ${mm(`Produce corr ${e.correlationId}${retry}: ${mine.map((a) => batchText(a.batch)).join(' + ')}`)}`);
      for (const a of mine) if (a.appended && a.error !== 'NONE') lines.push(`    Note over B: ${mm(`appends ${a.batch.topic}-${a.batch.partition} seq ${a.batch.baseSequence} at offset ${a.appended.baseOffset}`)}`);
      continue;
    }
    const e = it.v;
    if (e.apiKey !== ApiKey.Produce) {
      lines.push(`    B-->>P: ${mm(`${apiName(e.apiKey)}: ${controlAnswer(e)}`)}`);
      continue;
    }
    const mine = all.filter((a) => a.response === e);
    lines.push(`    B-->>P: ${mm(`corr ${e.correlationId}: ${mine.map((a) => answerText(a)).join(' + ')}`)}`);
  }
  return lines.join('\n');
}

/**
 * The happy path with the producer's stages as participants: the application's sends, the
 * RecordAccumulator holding them, the Sender's requests and the completions, from the trace.
 */
export function happyPathDiagram(trace: Trace): string {
  const lines = [
    'sequenceDiagram',
    '    participant App as application',
    '    participant Acc as RecordAccumulator',
    '    participant S as Sender',
    '    participant B as broker 1',
  ];
  const items = journal(trace, true);
  const firstProduce = trace.events.find((e): e is WireRequest => e.kind === 'request' && e.apiKey === ApiKey.Produce);
  let now = -1;
  const time = (at: number): void => {
    if (at !== now) lines.push(`    Note over App,B: t = ${at} ms`);
    now = at;
  };
  const connections = new Set<number>();
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    time(it.at);
    if (it.kind === 'send') {
      const group = [it.v];
      while (i + 1 < items.length && items[i + 1]!.kind === 'send') group.push((items[++i] as { v: Send }).v);
      lines.push(`    App->>Acc: ${mm(group.map((g) => `send(${g.id})`).join(', '))}`);
      const known = items.slice(0, i).some((x) => x.kind === 'response' && x.v.apiKey === ApiKey.Metadata);
      if (!known) lines.push(`    Note over Acc: ${mm(`${group[0]!.topic}: no metadata yet, the sends wait for it`)}`);
    } else if (it.kind === 'completion') {
      const group = [it.v];
      while (i + 1 < items.length && items[i + 1]!.kind === 'completion') group.push((items[++i] as { v: Completion }).v);
      lines.push(`    S-->>App: ${mm(group.map((g) => `${g.id}: ${resultText(g)}`).join(', '))}`);
    } else if (it.kind === 'request') {
      const e = it.v;
      if (e.apiKey === ApiKey.ApiVersions) {
        lines.push(`    S->>B: ${connections.has(e.connection) ? 'ApiVersions' : `connect (connection ${e.connection}), ApiVersions v${e.apiVersion}`}`);
        connections.add(e.connection);
      } else if (e.apiKey === ApiKey.Produce) {
        if (e === firstProduce) {
          const b = e.batches![0]!;
          const lingered = e.at - (trace.sends[0]?.at ?? 0);
          lines.push(`    S->>Acc: ready(): the batch is ${lingered} ms old (linger.ms), drain()`);
          lines.push(`    Acc-->>S: ${mm(`${b.topic}-${b.partition}: 1 batch of ${b.recordCount} records, stamped producer id ${b.producerId}, epoch ${b.producerEpoch}, base seq ${b.baseSequence}`)}`);
        }
        lines.push(`    S->>B: ${mm(`Produce v${e.apiVersion} corr ${e.correlationId}: ${(e.batches ?? []).map(batchText).join(' + ')}`)}`);
      } else {
        lines.push(`    S->>B: ${apiName(e.apiKey)} v${e.apiVersion}`);
      }
    } else {
      const e = it.v;
      if (e.apiKey === ApiKey.Produce) lines.push(`    B-->>S: ${mm(`corr ${e.correlationId}: ${(e.answers ?? []).map((a) => `${a.topic}-${a.partition} ${a.error}, base offset ${a.baseOffset}`).join(' + ')}`)}`);
      else lines.push(`    B-->>S: ${mm(`${apiName(e.apiKey)}: ${controlAnswer(e)}`)}`);
      const b = firstProduce?.batches?.[0];
      if (e.apiKey === ApiKey.Metadata && b !== undefined && trace.sends.every((x) => x.seq < e.seq)) {
        lines.push(`    Note over Acc: ${mm(`${b.values.join(', ')} appended to ${b.topic}-${b.partition}'s open batch (its linger.ms starts)`)}`);
      }
    }
  }
  return lines.join('\n');
}
