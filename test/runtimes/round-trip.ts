/**
 * The check every runtime suite shares: a fixture (Deno script, Worker, packed-tarball script)
 * sent `count` records `{ key: key-(i % 17), value: "<label> value i", headers: runtime=<label>,
 * i=i }` and reported where each landed; an independent consumer (test/helpers/kafka.ts
 * readBack, or the secured Java consumer) must find exactly those records at those offsets.
 */
import { expect } from 'vitest';
import type { ReadRecord } from '../helpers/kafka.js';

export interface Landed {
  i: number;
  partition: number;
  offset: string;
}

/** What a fixture prints as its one JSON line. */
export interface FixtureOutput {
  runtime: string;
  results: Landed[];
}

/** Parses the last line of a fixture's stdout, failing with all it printed otherwise. */
export function fixtureOutput(stdout: string, stderr: string): FixtureOutput {
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as FixtureOutput;
  } catch {
    throw new Error(`fixture printed no JSON result.\nstdout: ${stdout}\nstderr: ${stderr}`);
  }
}

/** Every reported record is in `read` at its partition/offset with the content that was sent, and nothing else is. */
export function expectRoundTrip(label: string, landed: readonly Landed[], read: readonly ReadRecord[], count: number, valueSuffix = ''): void {
  expect(landed).toHaveLength(count);
  expect(new Set(landed.map((r) => r.i)).size).toBe(count);
  expect(read).toHaveLength(count);
  const at = new Map(read.map((x) => [`${x.partition}/${x.offset}`, x]));
  for (const { i, partition, offset } of landed) {
    const rec = at.get(`${partition}/${offset}`);
    expect(rec, `record ${i} at ${partition}/${offset}`).toBeDefined();
    expect(rec!.value!.toString()).toBe(`${label} value ${i}${valueSuffix}`);
    expect(rec!.key!.toString()).toBe(`key-${i % 17}`);
    expect(rec!.headers.map(([k, v]) => [k, v!.toString()])).toEqual([
      ['runtime', label],
      ['i', String(i)],
    ]);
  }
}
