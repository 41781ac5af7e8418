/**
 * --trace, --trace-format json|pretty and --trace-file for every kafka-wire command: where the
 * trace events (src/observability/trace.ts) go and in which text form. json writes one object
 * per line (for tools), pretty an indented block per event (for people); to stderr unless
 * --trace-file names a file. Secrets never reach this file: events are redacted when built.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { formatTraceEvent, type TraceEvent, type TraceFormat, type TraceListener } from '../observability/trace.js';
import { UsageError, type FlagSpec, type ParsedArgs } from './args.js';

export const TRACE_FLAGS: readonly FlagSpec[] = [
  { name: '--trace', arity: 'none', help: 'Print every request and response: broker, API and version, correlation id, bytes, time, decoded body (record batches summarized, SASL payloads redacted).' },
  { name: '--trace-format', arity: 'one', metavar: 'json|pretty', help: 'json: one object per line; pretty: indented, for reading (default). Implies --trace.' },
  { name: '--trace-file', arity: 'one', metavar: 'FILE', help: 'Write the trace to FILE instead of stderr. Implies --trace.' },
];

export interface TraceOutput {
  /** The Producer's `trace` option (undefined without --trace). */
  readonly listener: TraceListener | undefined;
  /** Flushes and closes the trace file. */
  close(): Promise<void>;
}

/** The trace the arguments ask for; `stderr` writes a line (a newline is added when missing). */
export function openTrace(args: ParsedArgs, stderr: (text: string) => void): TraceOutput {
  const wanted = args.has('--trace') || args.has('--trace-format') || args.has('--trace-file');
  if (!wanted) return { listener: undefined, close: async () => {} };
  const format = (args.one('--trace-format') ?? 'pretty') as TraceFormat;
  if (format !== 'json' && format !== 'pretty') throw new UsageError(`--trace-format must be json or pretty, got ${JSON.stringify(format)}`);
  const file = args.one('--trace-file');
  let stream: WriteStream | undefined;
  let write: (text: string) => void;
  if (file !== undefined) {
    const s = createWriteStream(file, { flags: 'w' });
    stream = s;
    write = (text) => void s.write(text);
  } else write = (text) => stderr(text.endsWith('\n') ? text.slice(0, -1) : text);
  const listener = (event: TraceEvent): void => write(`${formatTraceEvent(event, format)}\n${format === 'pretty' ? '\n' : ''}`);
  return {
    listener,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (stream === undefined) return resolve();
        stream.end((e?: Error | null) => (e ? reject(e) : resolve()));
      }),
  };
}
