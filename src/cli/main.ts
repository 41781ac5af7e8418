#!/usr/bin/env node
/** The `kafka-wire` command: `produce` (console producer), `perf` (producer perf test), `conformance` (protocol conformance suite). */
import { UsageError } from './args.js';
import { CONFORMANCE_HELP, runConformanceCommand } from './conformance.js';
import { PERF_HELP, runPerf } from './perf.js';
import { PRODUCE_HELP, runProduce } from './produce.js';

const USAGE = `Usage: kafka-wire <produce|perf|conformance> [options]   (kafka-wire <command> --help for its options)

  produce       read records from stdin, one per line, like kafka-console-producer
  perf          measure producer throughput and latency, like kafka-producer-perf-test
  conformance   check a broker's producer-side protocol behaviour against Apache Kafka's
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out = (l: string): void => void process.stdout.write(l.endsWith('\n') ? l : `${l}\n`);
  const err = (l: string): void => void process.stderr.write(l.endsWith('\n') ? l : `${l}\n`);
  try {
    switch (command) {
      case 'produce':
        return await runProduce(rest, process.stdin, out, err);
      case 'perf':
        return await runPerf(rest, out, err);
      case 'conformance':
        return await runConformanceCommand(rest, out, err);
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        err(`kafka-wire: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`kafka-wire ${command}: ${e.message}\n\n${command === 'perf' ? PERF_HELP : command === 'conformance' ? CONFORMANCE_HELP : PRODUCE_HELP}`);
      return 2;
    }
    const code = (e as { code?: string }).code;
    err(`kafka-wire ${command}: ${code ? `${code}: ` : ''}${(e as Error).message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
