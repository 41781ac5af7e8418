import { describe, expect, test } from 'vitest';
import { UsageError, keyValue, parseArgs } from '../../src/cli/args.js';
import { PERF_FLAGS } from '../../src/cli/perf.js';
import { PRODUCE_FLAGS, parseLine } from '../../src/cli/produce.js';

const props = {
  parseKey: false, keySeparator: '\t', parseHeaders: false, headersDelimiter: '\t', headersSeparator: ',', headersKeySeparator: ':', nullMarker: undefined as string | undefined, ignoreError: false,
};

describe('kafka-wire produce line parsing (LineMessageReader)', () => {
  test('value only', () => {
    expect(parseLine('hello world', 1, props)).toEqual({ key: null, value: 'hello world', headers: [] });
  });
  test('parse.key with a custom separator; the first separator splits', () => {
    expect(parseLine('k1:v:1', 1, { ...props, parseKey: true, keySeparator: ':' })).toEqual({ key: 'k1', value: 'v:1', headers: [] });
  });
  test('a missing key separator names the line', () => {
    expect(() => parseLine('novalue', 7, { ...props, parseKey: true })).toThrow(/line 7: no key separator/);
  });
  test('headers, then key, then value; repeated names; null marker', () => {
    const p = { ...props, parseKey: true, parseHeaders: true, nullMarker: 'NULL' };
    expect(parseLine('h1:a,h1:b,h2:NULL\tkey\tvalue', 1, p)).toEqual({ key: 'key', value: 'value', headers: [['h1', 'a'], ['h1', 'b'], ['h2', null]] });
    expect(parseLine('NULL\tNULL\tNULL', 1, p)).toEqual({ key: null, value: null, headers: [] });
  });
});

describe('argument parsing', () => {
  test('perf flags: --producer-props takes values until the next flag', () => {
    const a = parseArgs(['--topic', 't', '--num-records', '10', '--producer-props', 'a=1', 'b=2', '--throughput', '-1', '--record-size', '5'], PERF_FLAGS);
    expect(a.many('--producer-props')).toEqual(['a=1', 'b=2']);
    expect(a.one('--throughput')).toBe('-1');
  });
  test('unknown and missing flags are usage errors', () => {
    expect(() => parseArgs(['--topik', 't'], PRODUCE_FLAGS)).toThrow(UsageError);
    expect(() => parseArgs(['--topic', 't'], PRODUCE_FLAGS)).toThrow(/missing required option --bootstrap-server/);
    expect(() => parseArgs(['--bootstrap-server'], PRODUCE_FLAGS)).toThrow(/needs a value/);
    expect(() => keyValue('--property', 'novalue')).toThrow(/key=value/);
  });
  test('repeatable --property', () => {
    const a = parseArgs(['--bootstrap-server', 'h:1', '--topic', 't', '--property', 'parse.key=true', '--property', 'key.separator=:'], PRODUCE_FLAGS);
    expect(a.many('--property')).toEqual(['parse.key=true', 'key.separator=:']);
  });
});
