/**
 * The shape of a message description: a TypeScript transcription of the facts in Kafka's
 * message definitions (clients/src/main/resources/common/message/*.json). One description per
 * message drives encoding and decoding at every version (see engine.ts).
 *
 * Field names are camelCase, as Kafka's generated JsonConverter writes them.
 */

export type PrimitiveType =
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'bool'
  | 'string'
  | 'bytes'
  | 'records'
  | 'uuid';

export interface FieldDef {
  /** camelCase name (Kafka's JSON name with a lower-case first letter). */
  readonly name: string;
  /**
   * A primitive type, `[]<primitive>` for an array of primitives, `[]<StructName>` for an array
   * of structs, or `<StructName>` for a single struct; struct types carry `fields`.
   */
  readonly type: string;
  /** Versions the field exists in: "0+", "3-12", "5", "none". */
  readonly versions: string;
  readonly nullableVersions?: string;
  /** Versions in which the field is a tagged field (with `tag`). */
  readonly taggedVersions?: string;
  readonly tag?: number;
  /** Kafka's default, as written in the definition ("-1", "null", "true", "0x7fffffff"). */
  readonly default?: string;
  /** Writing a non-default value at a version without the field is silently dropped. */
  readonly ignorable?: boolean;
  /** Per-field override of the message's flexible versions (RequestHeader.ClientId: "none"). */
  readonly flexibleVersions?: string;
  readonly fields?: readonly FieldDef[];
}

export interface MessageDef {
  readonly name: string;
  readonly apiKey?: number;
  readonly type: 'request' | 'response' | 'header';
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly fields: readonly FieldDef[];
}

/** An inclusive version range; `max` is Infinity for "N+" and the range is empty for "none". */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

const NONE: VersionRange = { min: 1, max: 0 };
const rangeCache = new Map<string, VersionRange>();

export function parseVersions(spec: string | undefined): VersionRange {
  if (spec === undefined || spec === 'none' || spec === '') return NONE;
  const cached = rangeCache.get(spec);
  if (cached) return cached;
  let r: VersionRange;
  const plus = /^(\d+)\+$/.exec(spec);
  const dash = /^(\d+)-(\d+)$/.exec(spec);
  const one = /^(\d+)$/.exec(spec);
  if (plus) r = { min: Number(plus[1]), max: Infinity };
  else if (dash) r = { min: Number(dash[1]), max: Number(dash[2]) };
  else if (one) r = { min: Number(one[1]), max: Number(one[1]) };
  else throw new Error(`bad version spec ${JSON.stringify(spec)}`);
  rangeCache.set(spec, r);
  return r;
}

export function inVersions(spec: string | undefined, version: number): boolean {
  const r = parseVersions(spec);
  return version >= r.min && version <= r.max;
}
