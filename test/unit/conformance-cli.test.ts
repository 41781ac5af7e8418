/**
 * `kafka-wire conformance` argument handling (no broker): --list, --help, and the usage errors
 * (exit code 2 through main) for a missing server, an unknown format, an --only that selects
 * nothing, both config flags. Runs against brokers: test/live/conformance.test.ts.
 */
import { describe, expect, test } from 'vitest';
import '../../src/index.js';
import { CONFORMANCE_HELP, runConformanceCommand } from '../../src/cli/conformance.js';
import { UsageError } from '../../src/cli/args.js';
import { CATALOGUE } from '../../src/conformance/index.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runConformanceCommand(args, (t) => void (out += t.endsWith('\n') ? t : `${t}\n`), (l) => void (err += `${l}\n`));
  return { code, out, err };
}

describe('kafka-wire conformance arguments', () => {
  test('--list names every check with its level and reference', async () => {
    const r = await run(['--list']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.length).toBe(CATALOGUE.length);
    expect(lines.find((l) => l.startsWith('apiversions.unknown-version'))).toMatch(/MUST .*\[KIP-511\]$/);
  });

  test('--help prints the options, the trace flags among them', async () => {
    const r = await run(['--help']);
    expect(r.out).toBe(`${CONFORMANCE_HELP}`);
    for (const flag of ['--bootstrap-server', '--producer.config', '--only', '--format', '--out', '--trace', '--trace-format', '--trace-file']) expect(CONFORMANCE_HELP).toContain(flag);
  });

  test.each([
    [[], /--bootstrap-server is required/],
    [['--bootstrap-server', 'nohost'], /valid host:port/],
    [['--bootstrap-server', 'h:1', '--format', 'xml'], /--format must be table, json or junit/],
    [['--bootstrap-server', 'h:1', '--only', 'produce.codec.brotli'], /no conformance check is named "produce.codec.brotli"/],
    [['--bootstrap-server', 'h:1', '--producer.config', 'a', '--command-config', 'b'], /cannot be specified together/],
    [['--bootstrap-server', 'h:1', '--trace-format', 'xml'], /--trace-format must be json or pretty/],
  ])('%j is a usage error', async (args, message) => {
    await expect(run(args as string[])).rejects.toThrow(UsageError);
    await expect(run(args as string[])).rejects.toThrow(message as RegExp);
  });
});
