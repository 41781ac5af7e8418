/**
 * The README's compatibility matrix (written by npm run conformance:matrix) is current: it lists
 * exactly the catalogue's checks, has the four brokers, shows Apache Kafka 4.4 passing every
 * MUST check, and shows the mock's known deviations (duplicates of idempotent batches appended,
 * sequence gaps accepted) as failures.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { CATALOGUE } from '../../src/conformance/index.js';

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
const begin = readme.indexOf('<!-- conformance:begin');
const end = readme.indexOf('<!-- conformance:end -->');
const section = readme.slice(begin, end);
const header = section.split('\n').find((l) => l.startsWith('| Check | Level |'))!;
const columns = header.split('|').slice(3, -1).map((c) => c.trim());
const rows = new Map(
  [...section.matchAll(/^\| `([a-z0-9.-]+)` \| (MUST|SHOULD|INFO) \|(.*)\|$/gm)].map((m) => [m[1]!, { level: m[2]!, cells: m[3]!.split('|').map((c) => c.trim()) }]),
);
const column = (prefix: string): number => columns.findIndex((c) => c.startsWith(prefix));

test('the README matrix lists exactly the catalogue, against the four brokers', () => {
  expect(begin).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(begin);
  expect([...rows.keys()]).toEqual(CATALOGUE.map((c) => c.id));
  for (const c of CATALOGUE) expect(rows.get(c.id)!.level).toBe(c.level);
  for (const prefix of ['Apache Kafka 4.4', 'Apache Kafka 3.9.1', 'librdkafka', 'franz-go kfake']) expect(column(prefix), prefix).toBeGreaterThanOrEqual(0);
});

test('Kafka 4.4 passes every MUST; the mock fails its known deviations', () => {
  const kafka = column('Apache Kafka 4.4');
  const mock = column('librdkafka');
  const mustFails = [...rows].filter(([, r]) => r.level === 'MUST' && r.cells[kafka] === '**FAIL**').map(([id]) => id);
  expect(mustFails).toEqual([]);
  expect(rows.get('idempotence.duplicate')!.cells[mock]).toBe('**FAIL**');
  expect(rows.get('idempotence.sequence-gap')!.cells[mock]).toBe('**FAIL**');
  expect(section).toMatch(/`idempotence\.duplicate` \(MUST\): .*the duplicate was appended/);
});
