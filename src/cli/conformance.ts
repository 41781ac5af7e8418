/**
 * `kafka-wire conformance`: runs the protocol conformance suite (src/conformance) against a
 * cluster and writes its report as a table, JSON or JUnit XML. The exit code is 0 when no MUST
 * check failed, 1 otherwise (2 for a usage error). --producer.config takes the same properties
 * file as the other commands, so a SASL or TLS listener is checked with the client settings a
 * producer would use.
 */
import { writeFileSync } from 'node:fs';
import { CATALOGUE, exitCodeOf, formatReport, runConformance, selectChecks, summaryLine, type ReportFormat } from '../conformance/index.js';
import { KafkaWireError } from '../errors.js';
import { parseBootstrapEntry } from '../config.js';
import { type FlagSpec, UsageError, helpText, intFlag, loadPropertiesFile, parseArgs, parseKeyValueArgs } from './args.js';
import { TRACE_FLAGS, openTrace } from './trace-output.js';

export const CONFORMANCE_FLAGS: readonly FlagSpec[] = [
  { name: '--bootstrap-server', arity: 'one', metavar: 'HOST:PORT[,...]', help: 'REQUIRED. The cluster to check.' },
  { name: '--producer.config', arity: 'one', metavar: 'FILE', help: 'Producer properties file: security.protocol, ssl.*, sasl.*, client.id, request.timeout.ms, ... (as for kafka-wire produce).' },
  { name: '--command-config', arity: 'one', metavar: 'FILE', help: 'Same as --producer.config.' },
  { name: '--command-property', arity: 'many', metavar: 'K=V', help: 'A producer property; wins over the file. Repeatable.' },
  { name: '--only', arity: 'many', metavar: 'ID,...', help: 'Run only these checks (ids, or a prefix such as produce or idempotence). Repeatable.' },
  { name: '--format', arity: 'one', metavar: 'table|json|junit', help: 'Report format (default table).' },
  { name: '--out', arity: 'one', metavar: 'FILE', help: 'Write the report to FILE instead of stdout.' },
  { name: '--check-timeout-ms', arity: 'one', metavar: 'MS', help: 'How long one check may take before it fails (default 20000; transaction checks 45000).' },
  { name: '--list', arity: 'none', help: 'List the checks (id, level, reference, title) and exit.' },
  { name: '--quiet', arity: 'none', help: 'No progress lines on stderr.' },
  ...TRACE_FLAGS,
  { name: '--help', arity: 'none', help: 'Show this help.' },
];

export const CONFORMANCE_HELP = helpText(
  'Usage: kafka-wire conformance --bootstrap-server HOST:PORT [--producer.config FILE] [--only ID,...] [--format table|json|junit] [--out FILE] [--trace]',
  'Checks a Kafka-compatible broker\'s producer-side behaviour against Apache Kafka\'s: each check has an id, the reference it checks (a KIP or a message JSON field), a level (MUST, SHOULD, INFO) and the expected and observed behaviour. Each check runs in a topic of its own, cleaned up afterwards, within its own timeout. Exit code 0 when no MUST check fails.',
  CONFORMANCE_FLAGS,
);

export async function runConformanceCommand(argv: readonly string[], out: (text: string) => void, err: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, CONFORMANCE_FLAGS);
  if (args.has('--help')) {
    out(CONFORMANCE_HELP);
    return 0;
  }
  if (args.has('--list')) {
    const width = Math.max(...CATALOGUE.map((c) => c.id.length));
    for (const c of CATALOGUE) out(`${c.id.padEnd(width)}  ${c.level.padEnd(6)}  ${c.title} [${c.reference}]`);
    return 0;
  }
  const bootstrap = args.one('--bootstrap-server');
  if (bootstrap === undefined) throw new UsageError('argument --bootstrap-server is required');
  if (bootstrap.split(',').some((e) => typeof parseBootstrapEntry(e) === 'string')) throw new UsageError('Please provide valid host:port like host1:9091,host2:9092');
  const format = (args.one('--format') ?? 'table') as ReportFormat;
  if (!['table', 'json', 'junit'].includes(format)) throw new UsageError(`--format must be table, json or junit, got ${JSON.stringify(format)}`);
  if (args.has('--producer.config') && args.has('--command-config')) throw new UsageError('Options --command-config and --producer.config cannot be specified together.');
  const configFile = args.one('--producer.config') ?? args.one('--command-config');
  const properties: Record<string, string> = configFile !== undefined ? loadPropertiesFile(configFile) : {};
  Object.assign(properties, parseKeyValueArgs('--command-property', args.many('--command-property')));
  delete properties['bootstrap.servers']; // --bootstrap-server names the cluster
  const only = args.many('--only').flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  try {
    selectChecks(only);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const checkTimeoutMs = intFlag('--check-timeout-ms', args.one('--check-timeout-ms'), { min: 1 });
  const trace = openTrace(args, err);
  const quiet = args.has('--quiet');
  let report;
  try {
    report = await runConformance({
      bootstrap,
      properties,
      ...(only.length ? { only } : {}),
      ...(checkTimeoutMs !== undefined ? { checkTimeoutMs } : {}),
      ...(trace.listener ? { trace: trace.listener } : {}),
      onResult: quiet ? undefined : (r, i, n) => err(`[${i + 1}/${n}] ${r.id} ${r.status.toUpperCase()}${r.status === 'fail' ? ` (${r.level})` : ''} ${r.durationMs} ms`),
    });
  } catch (e) {
    if (e instanceof KafkaWireError && e.code === 'ILLEGAL_ARGUMENT') throw new UsageError(e.message);
    throw e;
  } finally {
    await trace.close();
  }
  const text = formatReport(report, format);
  const file = args.one('--out');
  if (file !== undefined) {
    writeFileSync(file, text);
    if (!quiet) err(`report written to ${file}`);
  } else out(text);
  if (!quiet || file !== undefined) err(summaryLine(report));
  return exitCodeOf(report);
}
