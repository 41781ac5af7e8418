/**
 * The generated parts of docs/INTERNALS.md. The doc marks each one
 *
 *     <!-- generated: five-in-flight/exchanges -->
 *     ...
 *     <!-- /generated -->
 *
 * and the content between the markers must equal `renderBlock(id)`: tables, diagrams and
 * hexdumps come from running the scenarios (tools/docs/scenarios.ts) and reading the fixture
 * bytes (tools/docs/hexdump.ts), never from typing. `applyBlocks` rewrites them in place
 * (tools/docs/trace-scenarios.ts --write); test/unit/internals-doc.test.ts checks them.
 */
import { annotateProduceFrameV13, annotateRecordBatch, BATCH_FIXTURE, batchManifestEntry, FRAME_INPUTS, hexdump, produceFrame, rowsTable } from './hexdump.js';
import { completionTable, exchangeTable, happyPathDiagram, logTable, sequenceDiagram } from './render.js';
import { SCENARIOS, scenario, type Scenario, type Trace } from './scenarios.js';
import { fixtureBytes } from '../../test/helpers/fixtures.js';

/** A test the doc cites, and the literal text that must appear in its file. */
export interface Citation {
  file: string;
  /** describe › test, as printed. */
  name: string;
  /** What must occur in the file (the test name, or the literal part of a templated one). */
  literal: string;
}

/** Hexdump sections cite these; scenario sections cite their scenario's test. */
export const HEXDUMP_CITATIONS: Record<string, { cites: Citation[]; mirrors: string }> = {
  'hexdump/record-batch': {
    cites: [
      {
        file: 'test/golden/record-batch.test.ts',
        name: `RecordBatch v2 golden fixtures › ${BATCH_FIXTURE}: our reader decodes Java's bytes exactly as Java does`,
        literal: ": our reader decodes Java's bytes exactly as Java does",
      },
      {
        file: 'test/golden/record-batch.test.ts',
        name: `RecordBatch v2 golden fixtures › ${BATCH_FIXTURE}: our writer produces Java's bytes`,
        literal: ": our writer produces Java's bytes",
      },
    ],
    mirrors: "Kafka's DefaultRecordBatch / DefaultRecord (the v2 format of KIP-98); the bytes come from Java's MemoryRecordsBuilder",
  },
  'hexdump/produce-frame': {
    cites: [
      {
        file: 'test/golden/messages.test.ts',
        name: 'the hand-tuned Produce encoder matches Java for every Produce request fixture',
        literal: 'the hand-tuned Produce encoder matches Java for every Produce request fixture',
      },
      {
        file: 'test/unit/internals-doc.test.ts',
        name: 'the annotated Produce frame is what the generic engine encodes and decodeRequest reads',
        literal: 'the annotated Produce frame is what the generic engine encodes and decodeRequest reads',
      },
    ],
    mirrors: "Kafka's ProduceRequest.json (v13) with RequestHeader v2; Java's ProduceRequest / NetworkClient framing",
  },
};

export function scenarioCitation(s: Scenario): Citation {
  return { file: s.file, name: `${s.describe} › ${s.test}`, literal: s.test };
}

const citeLine = (c: Citation): string => `\`${c.file}\` › ${c.name}`;

const traces = new Map<string, Promise<Trace>>();
/** Each scenario runs once per process, whatever number of blocks it feeds. */
export function traceOf(id: string): Promise<Trace> {
  let t = traces.get(id);
  if (!t) traces.set(id, (t = scenario(id).run()));
  return t;
}

const fence = (lang: string, body: string): string => `\`\`\`${lang}\n${body}\n\`\`\``;

/** Renders one generated block by id (`<scenario>/<part>` or `hexdump/<name>`). */
export async function renderBlock(id: string): Promise<string> {
  const [head, part] = id.split('/') as [string, string | undefined];
  if (head === 'hexdump') {
    const c = HEXDUMP_CITATIONS[id];
    if (!c) throw new Error(`unknown block ${id}`);
    const source = `${c.cites.map((x) => `- Demonstrated by: ${citeLine(x)}`).join('\n')}\n- Mirrors: ${c.mirrors}.`;
    if (part === 'record-batch') {
      const buf = fixtureBytes(BATCH_FIXTURE);
      const m = batchManifestEntry();
      return [source, '', `\`fixtures/${BATCH_FIXTURE}\` (${buf.length} bytes, ${m.source}: ${m.about}):`, '', fence('text', hexdump(buf)), '', rowsTable(buf, annotateRecordBatch(buf))].join('\n');
    }
    if (part === 'produce-frame') {
      const { frame } = produceFrame();
      const i = FRAME_INPUTS;
      const inputs = `Produce v${i.version}, correlation id ${i.correlationId}, client.id \`${i.clientId}\`, acks ${i.acks}, timeout ${i.timeoutMs} ms, topic id \`${i.topicId}\`, partition ${i.partition}, records = \`fixtures/${BATCH_FIXTURE}\``;
      return [source, '', `Encoded by \`encodeProduceRequest\` from fixed inputs (${inputs}); ${frame.length} bytes:`, '', fence('text', hexdump(frame)), '', rowsTable(frame, annotateProduceFrameV13(frame))].join('\n');
    }
    throw new Error(`unknown block ${id}`);
  }
  const s = scenario(head);
  if (part === 'source') return `- Demonstrated by: ${citeLine(scenarioCitation(s))}\n- Mirrors: ${s.mirrors}.`;
  const trace = await traceOf(head);
  switch (part) {
    case 'exchanges':
      return exchangeTable(trace);
    case 'completions':
      return completionTable(trace);
    case 'log':
      return logTable(trace, [...trace.logs.keys()]);
    case 'diagram':
      return fence('mermaid', head === 'happy-path' ? happyPathDiagram(trace) : sequenceDiagram(trace));
    default:
      throw new Error(`unknown block ${id}`);
  }
}

/** Every block docs/INTERNALS.md must carry (more may be added). */
export const REQUIRED_BLOCKS: readonly string[] = [
  'happy-path/source',
  'happy-path/diagram',
  'swallowed/source',
  'swallowed/exchanges',
  'five-in-flight/source',
  'five-in-flight/exchanges',
  'five-in-flight/diagram',
  'retry-holds/source',
  'retry-holds/exchanges',
  'unknown-producer-id/source',
  'unknown-producer-id/exchanges',
  'unknown-producer-id/diagram',
  'unknown-producer-id/log',
  'oosn-next/source',
  'oosn-next/exchanges',
  'not-leader-after-append/source',
  'not-leader-after-append/exchanges',
  'not-leader-after-append/diagram',
  'max-in-flight/source',
  'max-in-flight/exchanges',
  'linger/source',
  'linger/exchanges',
  'batch-full/source',
  'batch-full/exchanges',
  'hexdump/record-batch',
  'hexdump/produce-frame',
];

const BLOCK_RE = /<!-- generated: ([a-z0-9/-]+) -->\n([\s\S]*?)\n?<!-- \/generated -->/g;

/** The generated blocks a document carries, in order. */
export function blocksIn(doc: string): { id: string; content: string }[] {
  return [...doc.matchAll(BLOCK_RE)].map((m) => ({ id: m[1]!, content: m[2]! }));
}

/** The document with every generated block re-rendered. */
export async function applyBlocks(doc: string): Promise<string> {
  const rendered = new Map<string, string>();
  for (const { id } of blocksIn(doc)) if (!rendered.has(id)) rendered.set(id, await renderBlock(id));
  return doc.replace(BLOCK_RE, (_m, id: string) => `<!-- generated: ${id} -->\n${rendered.get(id)!}\n<!-- /generated -->`);
}

export { SCENARIOS };
