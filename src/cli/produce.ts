/**
 * `kafka-wire produce`: Kafka 4.4's kafka-console-producer for kafka-wire. The options, the
 * producer properties they make (the tool's own defaults: linger.ms 1000, request.timeout.ms 1500,
 * retries 3, ...; client.id console-producer; ByteArraySerializer whatever the properties say) and
 * the line format (Java's LineMessageReader: parse.key, key.separator, parse.headers,
 * headers.delimiter, headers.separator — a regex —, headers.key.separator, null.marker,
 * ignore.error) are Java's; test/unit/java-parity-cli.test.ts compares them with Java's own
 * ConsoleProducerOptions and LineMessageReader.
 *
 * Like Java, a line that does not parse, or a failed send with --sync, stops the run with exit
 * code 1. Unlike Java, a record that fails asynchronously is reported with its line number and
 * makes the exit code 1 (Java logs it and exits 0); --exit-zero-on-send-error gives Java's.
 */
import type { Readable } from 'node:stream';
import { Producer, type ProducerConfig, type ProducerRecord } from '../index.js';
import { parseBootstrapEntry } from '../config.js';
import { type FlagSpec, type ParsedArgs, UsageError, helpText, intFlag, loadPropertiesFile, parseArgs, parseKeyValueArgs, renamedOption } from './args.js';
import { TRACE_FLAGS, openTrace } from './trace-output.js';

const BYTE_ARRAY_SERIALIZER = 'org.apache.kafka.common.serialization.ByteArraySerializer';
const LINE_MESSAGE_READER = 'org.apache.kafka.tools.LineMessageReader';
const VERSION = '0.1.0';
const ignore = (): void => undefined;

export const PRODUCE_FLAGS: readonly FlagSpec[] = [
  { name: '--bootstrap-server', arity: 'one', metavar: 'HOST:PORT[,...]', help: 'REQUIRED. The server(s) to connect to.' },
  { name: '--topic', arity: 'one', metavar: 'TOPIC', help: 'REQUIRED. The topic to produce to.' },
  { name: '--reader-property', arity: 'many', metavar: 'K=V', help: 'Line reader property: parse.key, key.separator (TAB), parse.headers, headers.delimiter (TAB), headers.separator (a regex, default ,), headers.key.separator (:), null.marker, ignore.error. Repeatable; wins over --reader-config.' },
  { name: '--property', arity: 'many', metavar: 'K=V', help: 'Deprecated name of --reader-property.' },
  { name: '--reader-config', arity: 'one', metavar: 'FILE', help: 'Line reader properties file.' },
  { name: '--command-property', arity: 'many', metavar: 'K=V', help: 'A producer property, e.g. acks=1. Repeatable; wins over --command-config.' },
  { name: '--producer-property', arity: 'many', metavar: 'K=V', help: 'Deprecated name of --command-property.' },
  { name: '--command-config', arity: 'one', metavar: 'FILE', help: 'Producer properties file.' },
  { name: '--producer.config', arity: 'one', metavar: 'FILE', help: 'Deprecated name of --command-config.' },
  { name: '--sync', arity: 'none', help: 'Send each record and wait for it before reading the next line; a failure stops the run.' },
  { name: '--compression-codec', arity: 'optional', metavar: '[CODEC]', help: "none, gzip, snappy, lz4 or zstd; without a value, gzip. Sets compression.type (to none when absent, as Java's tool does)." },
  { name: '--batch-size', arity: 'one', metavar: 'BYTES', help: 'batch.size (default 16384).' },
  { name: '--max-partition-memory-bytes', arity: 'one', metavar: 'BYTES', help: 'Deprecated: batch.size, applied after --batch-size.' },
  { name: '--timeout', arity: 'one', metavar: 'MS', help: 'linger.ms (default 1000).' },
  { name: '--request-required-acks', arity: 'one', metavar: 'ACKS', help: 'acks (default -1).' },
  { name: '--request-timeout-ms', arity: 'one', metavar: 'MS', help: 'request.timeout.ms (default 1500).' },
  { name: '--message-send-max-retries', arity: 'one', metavar: 'N', help: 'retries (default 3).' },
  { name: '--retry-backoff-ms', arity: 'one', metavar: 'MS', help: 'retry.backoff.ms (default 100).' },
  { name: '--metadata-expiry-ms', arity: 'one', metavar: 'MS', help: 'metadata.max.age.ms (default 300000).' },
  { name: '--max-block-ms', arity: 'one', metavar: 'MS', help: 'max.block.ms (default 60000).' },
  { name: '--max-memory-bytes', arity: 'one', metavar: 'BYTES', help: 'buffer.memory (default 33554432).' },
  { name: '--socket-buffer-size', arity: 'one', metavar: 'BYTES', help: 'send.buffer.bytes (default 102400; accepted, the OS default is used).' },
  { name: '--line-reader', arity: 'one', metavar: 'CLASS', help: `Only ${LINE_MESSAGE_READER} (the default): reader classes are Java classes.` },
  { name: '--exit-zero-on-send-error', arity: 'none', help: "Java's exit code: 0 even when records failed asynchronously (they are still reported)." },
  { name: '--version', arity: 'none', help: 'Print the version and exit.' },
  ...TRACE_FLAGS,
  { name: '--help', arity: 'none', help: 'Show this help.' },
];

export const PRODUCE_HELP = helpText(
  'Usage: kafka-wire produce --bootstrap-server HOST:PORT --topic TOPIC [--reader-property k=v ...] [--command-property k=v ...] [--command-config FILE]',
  'Reads records from standard input, one per line, and produces them (like kafka-console-producer).',
  PRODUCE_FLAGS,
);

/** The tool's own producer defaults, in Java's merge order: [property, flag, default]. */
const TOOL_DEFAULTS: readonly [string, string, string][] = [
  ['linger.ms', '--timeout', '1000'],
  ['acks', '--request-required-acks', '-1'],
  ['request.timeout.ms', '--request-timeout-ms', '1500'],
  ['retries', '--message-send-max-retries', '3'],
  ['retry.backoff.ms', '--retry-backoff-ms', '100'],
  ['send.buffer.bytes', '--socket-buffer-size', '102400'],
  ['buffer.memory', '--max-memory-bytes', '33554432'],
  ['batch.size', '--batch-size', '16384'],
  ['batch.size', '--max-partition-memory-bytes', '16384'],
  ['metadata.max.age.ms', '--metadata-expiry-ms', '300000'],
  ['max.block.ms', '--max-block-ms', '60000'],
];
const INT_FLAGS = new Set(['--batch-size', '--max-partition-memory-bytes', '--request-timeout-ms', '--message-send-max-retries', '--socket-buffer-size']);

export interface ConsoleProducerConfig {
  producerProps: Record<string, string>;
  readerProps: Record<string, string>;
  sync: boolean;
}

/**
 * What Java's ConsoleProducerOptions makes of the arguments: producerProps() and readerProps().
 * Throws UsageError with Java's messages. `warn` gets Java's deprecation warnings.
 */
export function consoleProducerConfig(args: ParsedArgs, warn: (line: string) => void): ConsoleProducerConfig {
  const commandProperty = renamedOption(args, '--command-property', '--producer-property', warn);
  const commandConfig = renamedOption(args, '--command-config', '--producer.config', warn);
  const readerProperty = renamedOption(args, '--reader-property', '--property', warn);
  if (args.has('--max-partition-memory-bytes')) warn('Warning: --max-partition-memory-bytes is deprecated and will be removed in Apache Kafka 5.0. Use --batch-size instead.');
  if (!args.has('--topic')) throw new UsageError('Missing required argument "[topic]"');
  const bootstrap = args.one('--bootstrap-server');
  if (bootstrap === undefined) throw new UsageError('Error while validating the bootstrap address');
  // ToolsUtils.validateBootstrapServer
  if (bootstrap.split(',').some((e) => typeof parseBootstrapEntry(e) === 'string')) throw new UsageError('Please provide valid host:port like host1:9091,host2:9092');
  const reader = args.one('--line-reader');
  if (reader !== undefined && reader !== LINE_MESSAGE_READER) {
    throw new UsageError(`--line-reader ${reader} is not supported: reader classes are Java classes; kafka-wire has Java's ${LINE_MESSAGE_READER} built in`);
  }
  for (const f of INT_FLAGS) if (args.has(f)) intFlag(f, args.one(f), {});
  for (const f of ['--timeout', '--retry-backoff-ms', '--metadata-expiry-ms', '--max-block-ms', '--max-memory-bytes']) if (args.has(f)) intFlag(f, args.one(f), {});

  const producerProps: Record<string, string> = {};
  if (commandConfig !== undefined) Object.assign(producerProps, loadPropertiesFile(args.one(commandConfig)!));
  if (commandProperty !== undefined) Object.assign(producerProps, parseKeyValueArgs(commandProperty, args.many(commandProperty)));
  producerProps['bootstrap.servers'] = bootstrap;
  const codec = args.one('--compression-codec');
  producerProps['compression.type'] = codec === undefined ? 'none' : codec === '' ? 'gzip' : codec;
  producerProps['client.id'] ??= 'console-producer';
  producerProps['key.serializer'] = BYTE_ARRAY_SERIALIZER;
  producerProps['value.serializer'] = BYTE_ARRAY_SERIALIZER;
  // CommandLineUtils.maybeMergeOptions: the flag when given, else the tool's default unless set.
  for (const [property, flag, def] of TOOL_DEFAULTS) {
    if (args.has(flag) || producerProps[property] === undefined) producerProps[property] = args.one(flag) ?? def;
  }

  const readerProps: Record<string, string> = {};
  const readerConfig = args.one('--reader-config');
  if (readerConfig !== undefined) Object.assign(readerProps, loadPropertiesFile(readerConfig));
  readerProps['topic'] = args.one('--topic')!;
  if (readerProperty !== undefined) Object.assign(readerProps, parseKeyValueArgs(readerProperty, args.many(readerProperty)));
  return { producerProps, readerProps, sync: args.has('--sync') };
}

/** Java's LineMessageReader, configured. */
export interface LineReader {
  readonly topic: string;
  readonly parseKey: boolean;
  readonly keySeparator: string;
  readonly parseHeaders: boolean;
  readonly headersDelimiter: string;
  readonly headersSeparator: RegExp;
  readonly headersKeySeparator: string;
  readonly nullMarker: string | undefined;
  readonly ignoreError: boolean;
}

export class LineParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LineParseError';
  }
}

/**
 * LineMessageReader.configure: separators are taken literally (`key.separator=\t` is a backslash
 * and a t, as in Java), headers.separator is a regular expression, the switches are trimmed and
 * case-insensitive, and Java's conflicting-separator checks apply.
 */
export function configureLineReader(props: Readonly<Record<string, string>>): LineReader {
  const bool = (k: string): boolean => (props[k] ?? 'false').trim().toLowerCase() === 'true';
  const keySeparator = props['key.separator'] ?? '\t';
  const headersDelimiter = props['headers.delimiter'] ?? '\t';
  const headersSeparator = props['headers.separator'] ?? ',';
  const headersKeySeparator = props['headers.key.separator'] ?? ':';
  const nullMarker = props['null.marker'];
  let pattern: RegExp;
  try {
    pattern = new RegExp(headersSeparator, 'u');
  } catch (e) {
    throw new LineParseError(`headers.separator ${JSON.stringify(headersSeparator)} is not a valid regular expression: ${(e as Error).message}`);
  }
  const conflicts: [boolean, string][] = [
    [headersDelimiter === headersSeparator, 'headers.delimiter and headers.separator may not be equal'],
    [headersDelimiter === headersKeySeparator, 'headers.delimiter and headers.key.separator may not be equal'],
    [headersSeparator === headersKeySeparator, 'headers.separator and headers.key.separator may not be equal'],
    [keySeparator === nullMarker, 'null.marker and key.separator may not be equal'],
    [headersSeparator === nullMarker, 'null.marker and headers.separator may not be equal'],
    [headersDelimiter === nullMarker, 'null.marker and headers.delimiter may not be equal'],
    [headersKeySeparator === nullMarker, 'null.marker and headers.key.separator may not be equal'],
  ];
  for (const [bad, message] of conflicts) if (bad) throw new LineParseError(message);
  return {
    topic: props['topic'] ?? '',
    parseKey: bool('parse.key'),
    keySeparator,
    parseHeaders: bool('parse.headers'),
    headersDelimiter,
    headersSeparator: pattern,
    headersKeySeparator,
    nullMarker,
    ignoreError: bool('ignore.error'),
  };
}

export interface ParsedLine {
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
}

/** Java's Pattern.split: trailing empty strings removed, a leading empty string kept unless the match there is empty. */
function javaSplit(s: string, pattern: RegExp): string[] {
  if (s === '') return [''];
  const parts: string[] = [];
  const re = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  let last = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    if (m[0] === '') {
      if (m.index === 0 || m.index >= s.length) {
        re.lastIndex++;
        continue;
      }
      re.lastIndex++;
    }
    parts.push(s.slice(last, m.index));
    last = m.index + m[0].length;
  }
  parts.push(s.slice(last));
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 1 && parts[0] === '' && s !== '') return [];
  return parts;
}

/** One line as LineMessageReader reads it: headers, then key, then value. Throws LineParseError with Java's message. */
export function parseLine(line: string, lineNumber: number, p: LineReader): ParsedLine {
  const part = (enabled: boolean, start: number, sep: string, name: string): string | null => {
    if (!enabled) return null;
    const at = line.indexOf(sep, start);
    if (at < 0) {
      if (p.ignoreError) return null;
      throw new LineParseError(`No ${name} found on line number ${lineNumber}: '${line}'`);
    }
    return line.slice(start, at);
  };
  const headersText = part(p.parseHeaders, 0, p.headersDelimiter, 'headers delimiter');
  const headerOffset = headersText === null ? 0 : headersText.length + p.headersDelimiter.length;
  const key = part(p.parseKey, headerOffset, p.keySeparator, 'key separator');
  const keyOffset = key === null ? 0 : key.length + p.keySeparator.length;
  const value = line.slice(headerOffset + keyOffset);
  const headers: [string, string | null][] = [];
  if (headersText !== null && headersText !== p.nullMarker) {
    for (const pair of javaSplit(headersText, p.headersSeparator)) {
      const i = pair.indexOf(p.headersKeySeparator);
      if (i < 0) {
        if (p.ignoreError) {
          headers.push([pair, null]);
          continue;
        }
        throw new LineParseError(`No header key separator found in pair '${pair}' on line number ${lineNumber}`);
      }
      const headerKey = pair.slice(0, i);
      if (headerKey === p.nullMarker) throw new LineParseError(`Header keys should not be equal to the null marker '${p.nullMarker}' as they can't be null`);
      const headerValue = pair.slice(i + p.headersKeySeparator.length);
      headers.push([headerKey, headerValue === p.nullMarker ? null : headerValue]);
    }
  }
  return {
    key: key !== null && key !== p.nullMarker ? key : null,
    value: value !== p.nullMarker ? value : null,
    headers,
  };
}

const utf8 = new TextEncoder();

/**
 * The lines of `input` as bytes, one array per chunk read, split where Java's
 * BufferedReader.readLine splits: at \n, \r or \r\n; a last line without an end counts. UTF-8
 * never has these two bytes inside a character, so splitting the bytes splits the decoded text in
 * the same places. A line inside one chunk is a view of that chunk (no copy); a line spanning
 * chunks is copied once.
 */
export async function* byteLines(input: AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array[]> {
  let carry: Uint8Array | null = null; // the unfinished line of the previous chunks
  let skipLf = false; // the previous chunk ended with \r: a \n first in this one belongs to it
  for await (const piece of input) {
    const chunk = typeof piece === 'string' ? utf8.encode(piece) : piece;
    const lines: Uint8Array[] = [];
    let start = 0;
    if (skipLf && chunk.length > 0 && chunk[0] === 10) start = 1;
    if (chunk.length > 0) skipLf = false;
    for (let i = start; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c !== 10 && c !== 13) continue;
      const part = chunk.subarray(start, i);
      lines.push(carry === null ? part : concat(carry, part));
      carry = null;
      if (c === 13) {
        if (i + 1 < chunk.length) {
          if (chunk[i + 1] === 10) i++;
        } else skipLf = true;
      }
      start = i + 1;
    }
    if (start < chunk.length) carry = carry === null ? chunk.slice(start) : concat(carry, chunk.subarray(start));
    if (lines.length > 0) yield lines;
  }
  if (carry !== null && carry.length > 0) yield [carry];
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** One line's text as Java's InputStreamReader decodes UTF-8 (a malformed sequence becomes U+FFFD). */
const decodeLine = (line: Uint8Array): string => lineDecoder.decode(line);
const lineDecoder = new TextDecoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Lines as Java's BufferedReader.readLine reads UTF-8 input (see byteLines). */
export async function* javaLines(input: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  for await (const lines of byteLines(input)) for (const line of lines) yield decodeLine(line);
}

/**
 * A whole line as a record value, as Java sends it (the line decoded as UTF-8, then encoded):
 * the line's own bytes when they are valid UTF-8 (the round trip changes nothing), else the
 * round trip (each malformed sequence becomes U+FFFD's three bytes). No string is made for a
 * valid line, so a flood of long lines does not fill the heap with their text.
 */
export function lineValueBytes(line: Uint8Array): Uint8Array {
  if (isValidUtf8(line)) return line;
  return utf8.encode(decodeLine(line));
}

function isValidUtf8(line: Uint8Array): boolean {
  // ASCII, the common case, is checked here; anything else by the fatal decoder.
  for (let i = 0; i < line.length; i++) {
    if (line[i]! >= 0x80) {
      try {
        strictDecoder.decode(line);
        return true;
      } catch {
        return false;
      }
    }
  }
  return true;
}

const bytes = (s: string | null): Uint8Array | null => (s === null ? null : utf8.encode(s));

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export async function runProduce(argv: readonly string[], input: Readable, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  const args = parseArgs(argv, PRODUCE_FLAGS);
  if (args.has('--help')) {
    out(PRODUCE_HELP);
    return 0;
  }
  if (args.has('--version')) {
    out(`kafka-wire ${VERSION}`);
    return 0;
  }
  const config = consoleProducerConfig(args, err);
  let reader: LineReader;
  try {
    reader = configureLineReader(config.readerProps);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const trace = openTrace(args, err);
  const producer = new Producer({ ...config.producerProps, ...(trace.listener ? { trace: trace.listener } : {}) } as ProducerConfig);
  let asyncFailures = 0;
  let fatal = false;
  let lineNumber = 0;
  // Without --sync, lines go through producer.writable(): a write waits while buffer.memory is
  // full (or the topic's metadata is awaited), so reading stdin pauses instead of piling up
  // waiting sends, and a 10 GB pipe keeps memory flat. A failed record is reported with its line
  // number and the run goes on, as Java's callback logs it.
  // Every line read is written (a bad one ends the run), so write i is line i + 1.
  const writer = config.sync
    ? null
    : producer
        .writable({
          onFailure: (e, index) => {
            asyncFailures++;
            err(`line ${index + 1}: ${e.code}: ${e.message}`);
          },
        })
        .getWriter();
  try {
    // Without parse.key and parse.headers a line is its value: it stays bytes (lineValueBytes).
    const wholeLineIsValue = !reader.parseKey && !reader.parseHeaders;
    const nullMarker = reader.nullMarker === undefined ? null : utf8.encode(reader.nullMarker);
    reading: for await (const lines of byteLines(input)) {
      for (const line of lines) {
        const n = ++lineNumber;
        let record: ProducerRecord<Uint8Array | null, Uint8Array | null>;
        if (wholeLineIsValue) {
          record = { topic: reader.topic, key: null, value: nullMarker !== null && sameBytes(line, nullMarker) ? null : lineValueBytes(line) };
        } else {
          let parsed: ParsedLine;
          try {
            parsed = parseLine(decodeLine(line), n, reader);
          } catch (e) {
            err(`kafka-wire produce: ${(e as Error).message}`);
            fatal = true; // Java: the reader's exception ends the run, exit 1
            break reading;
          }
          record = { topic: reader.topic, key: bytes(parsed.key), value: bytes(parsed.value), headers: parsed.headers.map(([k, v]) => [k, bytes(v)] as [string, Uint8Array | null]) };
        }
        if (config.sync) {
          try {
            await producer.send(record);
          } catch (e) {
            err(`line ${n}: ${(e as { code?: string }).code ?? 'ERROR'}: ${(e as Error).message}`);
            fatal = true; // Java: send().get() throws, exit 1
            break reading;
          }
          continue;
        }
        await writer!.ready;
        // A failed write also fails the next `ready`, which ends the loop: nothing to do here.
        writer!.write(record).catch(ignore);
      }
    }
    // close() flushes: every record written has settled (its failures were reported).
    await writer?.close();
  } finally {
    await producer.close();
    await trace.close();
  }
  if (fatal) return 1;
  return asyncFailures > 0 && !args.has('--exit-zero-on-send-error') ? 1 : 0;
}
