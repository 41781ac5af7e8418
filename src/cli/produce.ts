/**
 * `kafka-wire produce`: kafka-console-producer for kafka-wire. One record per stdin line;
 * `parse.key` / `key.separator`, `parse.headers` / `headers.delimiter` / `headers.separator` /
 * `headers.key.separator`, `null.marker` and `ignore.error` behave as in Java's LineMessageReader.
 * A failed record is reported with its line number; the exit code is 1 if any record failed.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Producer, type ProducerConfig } from '../index.js';
import { type FlagSpec, UsageError, helpText, keyValue, parseArgs, producerProperties } from './args.js';

export const PRODUCE_FLAGS: readonly FlagSpec[] = [
  { name: '--bootstrap-server', arity: 'one', required: true, metavar: 'HOST:PORT[,...]', help: 'Brokers to connect to.' },
  { name: '--topic', arity: 'one', required: true, metavar: 'TOPIC', help: 'Topic to produce to.' },
  { name: '--property', arity: 'many', metavar: 'K=V', help: 'Reader properties: parse.key, key.separator (default TAB), parse.headers, headers.delimiter (TAB), headers.separator (,), headers.key.separator (:), null.marker, ignore.error.' },
  { name: '--producer-property', arity: 'many', metavar: 'K=V', help: 'A producer property, e.g. acks=1. Repeatable.' },
  { name: '--producer.config', arity: 'one', metavar: 'FILE', help: 'Producer properties file.' },
  { name: '--compression-codec', arity: 'one', metavar: 'CODEC', help: 'none, gzip, snappy, lz4 or zstd.' },
  { name: '--sync', arity: 'none', help: 'Wait for each record to be acknowledged before reading the next line.' },
  { name: '--help', arity: 'none', help: 'Show this help.' },
];

export const PRODUCE_HELP = helpText(
  'Usage: kafka-wire produce --bootstrap-server HOST:PORT --topic TOPIC [--property k=v ...] [--producer-property k=v ...]',
  'Reads records from standard input, one per line, and produces them (like kafka-console-producer).',
  PRODUCE_FLAGS,
);

interface ReaderProps {
  parseKey: boolean;
  keySeparator: string;
  parseHeaders: boolean;
  headersDelimiter: string;
  headersSeparator: string;
  headersKeySeparator: string;
  nullMarker: string | undefined;
  ignoreError: boolean;
}

const KNOWN_READER_PROPS = new Set(['parse.key', 'key.separator', 'parse.headers', 'headers.delimiter', 'headers.separator', 'headers.key.separator', 'null.marker', 'ignore.error']);

function readerProps(pairs: readonly string[]): ReaderProps {
  const p: Record<string, string> = {};
  for (const kv of pairs) {
    const [k, v] = keyValue('--property', kv);
    if (!KNOWN_READER_PROPS.has(k)) throw new UsageError(`--property ${k} is not a known reader property (${[...KNOWN_READER_PROPS].join(', ')})`);
    p[k] = v;
  }
  const unescape = (s: string): string => s.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  return {
    parseKey: (p['parse.key'] ?? 'false').toLowerCase() === 'true',
    keySeparator: unescape(p['key.separator'] ?? '\t'),
    parseHeaders: (p['parse.headers'] ?? 'false').toLowerCase() === 'true',
    headersDelimiter: unescape(p['headers.delimiter'] ?? '\t'),
    headersSeparator: unescape(p['headers.separator'] ?? ','),
    headersKeySeparator: unescape(p['headers.key.separator'] ?? ':'),
    nullMarker: p['null.marker'],
    ignoreError: (p['ignore.error'] ?? 'false').toLowerCase() === 'true',
  };
}

export interface ParsedLine {
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
}

/** Splits one input line as Java's LineMessageReader does: headers, then key, then value. */
export function parseLine(line: string, lineNumber: number, p: ReaderProps): ParsedLine {
  let rest = line;
  const headers: [string, string | null][] = [];
  const marker = (s: string): string | null => (p.nullMarker !== undefined && s === p.nullMarker ? null : s);
  const take = (sep: string, what: string): string | null => {
    const at = rest.indexOf(sep);
    if (at < 0) {
      if (p.ignoreError) return null;
      throw new UsageError(`line ${lineNumber}: no ${what} separator ${JSON.stringify(sep)} found`);
    }
    const head = rest.slice(0, at);
    rest = rest.slice(at + sep.length);
    return head;
  };
  if (p.parseHeaders) {
    const h = take(p.headersDelimiter, 'headers');
    if (h !== null && h !== '' && h !== p.nullMarker) {
      for (const item of h.split(p.headersSeparator)) {
        const at = item.indexOf(p.headersKeySeparator);
        if (at < 0) headers.push([item, null]);
        else headers.push([item.slice(0, at), marker(item.slice(at + p.headersKeySeparator.length))]);
      }
    }
  }
  let key: string | null = null;
  if (p.parseKey) {
    const k = take(p.keySeparator, 'key');
    key = k === null ? null : marker(k);
  }
  return { key, value: marker(rest), headers };
}

export async function runProduce(argv: readonly string[], input: Readable, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  const args = parseArgs(argv, PRODUCE_FLAGS);
  if (args.has('--help')) {
    out(PRODUCE_HELP);
    return 0;
  }
  const reader = readerProps(args.many('--property'));
  const props = producerProperties(args, '--producer-property');
  props['bootstrap.servers'] = args.one('--bootstrap-server')!;
  const codec = args.one('--compression-codec');
  if (codec !== undefined) props['compression.type'] = codec;
  const topic = args.one('--topic')!;
  const producer = new Producer(props as ProducerConfig);
  let failed = 0;
  let lineNumber = 0;
  const pending: Promise<void>[] = [];
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      const n = ++lineNumber;
      let parsed: ParsedLine;
      try {
        parsed = parseLine(line, n, reader);
      } catch (e) {
        failed++;
        err(`line ${n}: ${(e as Error).message.replace(/^line \d+: /, '')}`);
        continue;
      }
      const p = producer.send({ topic, key: parsed.key, value: parsed.value, headers: parsed.headers }).then(
        () => undefined,
        (e: Error) => {
          failed++;
          err(`line ${n}: ${(e as { code?: string }).code ?? 'ERROR'}: ${e.message}`);
        },
      );
      if (args.has('--sync')) await p;
      else pending.push(p);
      if (pending.length >= 10_000) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
  } finally {
    await producer.close();
  }
  return failed > 0 ? 1 : 0;
}
