/**
 * The generic message engine: compiles a MessageDef at one version into an encode/decode plan
 * (closures, built once and cached), then encodes plain objects to bytes and back.
 *
 * Rules (as Kafka's generated message classes apply them):
 * - Flexible versions use compact strings/bytes/arrays (uvarint length + 1) and end every struct
 *   with a tagged-field section; non-flexible versions use int16/int32 lengths.
 * - A field outside the version is not written; on read it takes its default. Writing a
 *   non-default value for such a field is an UNSUPPORTED_VERSION error unless it is ignorable.
 * - Tagged fields are written only when they differ from their default, in tag order; tags the
 *   description does not know are kept on read (`_unknownTaggedFields`) and written back.
 * - A field missing from the object to encode (undefined) takes its default.
 * - int64 is a bigint, uuid a 16-byte Uint8Array, bytes/records a Uint8Array (decoded byte
 *   fields are views into the input, not copies).
 */
import { KafkaWireError, ProtocolError } from '../../errors.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { inVersions, parseVersions, type FieldDef, type MessageDef } from './schema.js';

/** A tagged field the description does not know, kept as raw bytes. */
export interface RawTaggedField {
  tag: number;
  data: Uint8Array;
}

/** The key under which unknown tagged fields are kept on decoded structs. */
export const UNKNOWN_TAGGED_FIELDS = '_unknownTaggedFields';

type Obj = Record<string, unknown>;

/** Encoder and decoder of one value of one field at one version. */
interface ValueCodec {
  write(w: Writer, v: unknown): void;
  read(r: Reader): unknown;
}

interface FieldPlan {
  readonly name: string;
  readonly def: FieldDef;
  readonly codec: ValueCodec;
  readonly tag: number;
  makeDefault(): unknown;
  isDefault(v: unknown): boolean;
}

interface AbsentField {
  readonly name: string;
  readonly ignorable: boolean;
  makeDefault(): unknown;
  isDefault(v: unknown): boolean;
}

/** A compiled struct (or message body) at one version. */
export interface StructPlan {
  readonly name: string;
  readonly version: number;
  readonly flexible: boolean;
  write(w: Writer, obj: Obj): void;
  read(r: Reader): Obj;
}

// ---------------------------------------------------------------------------------------------
// Defaults

const ZERO_UUID_BYTES = 16;

function isStructType(f: FieldDef): boolean {
  return f.fields !== undefined;
}

function elementType(f: FieldDef): string | null {
  return f.type.startsWith('[]') ? f.type.slice(2) : null;
}

function parseIntDefault(s: string | undefined): number {
  if (s === undefined || s === '') return 0;
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const n = body.startsWith('0x') || body.startsWith('0X') ? parseInt(body.slice(2), 16) : parseInt(body, 10);
  if (Number.isNaN(n)) throw new Error(`bad integer default ${s}`);
  return neg ? -n : n;
}

function parseBigDefault(s: string | undefined): bigint {
  if (s === undefined || s === '') return 0n;
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const n = BigInt(body);
  return neg ? -n : n;
}

/** Builds `makeDefault` / `isDefault` for a field, over all of its versions (Java semantics). */
function defaults(f: FieldDef): { makeDefault: () => unknown; isDefault: (v: unknown) => boolean } {
  const d = f.default;
  const el = elementType(f);
  if (el !== null) {
    if (d === 'null') return { makeDefault: () => null, isDefault: (v) => v === null };
    return { makeDefault: () => [], isDefault: (v) => Array.isArray(v) && v.length === 0 };
  }
  if (isStructType(f)) {
    if (d === 'null') return { makeDefault: () => null, isDefault: (v) => v === null };
    const sub = (f.fields ?? []).map((c) => ({ name: c.name, ...defaults(c) }));
    return {
      makeDefault: () => {
        const o: Obj = {};
        for (const c of sub) o[c.name] = c.makeDefault();
        return o;
      },
      isDefault: (v) => {
        if (v === null || typeof v !== 'object') return false;
        const o = v as Obj;
        for (const c of sub) {
          const x = o[c.name];
          if (x !== undefined && !c.isDefault(x)) return false;
        }
        const unk = o[UNKNOWN_TAGGED_FIELDS];
        return !(Array.isArray(unk) && unk.length > 0);
      },
    };
  }
  switch (f.type) {
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32': {
      const n = parseIntDefault(d);
      return { makeDefault: () => n, isDefault: (v) => v === n };
    }
    case 'int64': {
      const n = parseBigDefault(d);
      return {
        makeDefault: () => n,
        isDefault: (v) => v === n || (typeof v === 'number' && BigInt(v) === n),
      };
    }
    case 'float64': {
      const n = d === undefined ? 0 : Number(d);
      return { makeDefault: () => n, isDefault: (v) => v === n };
    }
    case 'bool': {
      const b = d === 'true';
      return { makeDefault: () => b, isDefault: (v) => v === b };
    }
    case 'string': {
      const s = d === 'null' ? null : (d ?? '');
      return { makeDefault: () => s, isDefault: (v) => v === s };
    }
    case 'bytes':
      if (d === 'null') return { makeDefault: () => null, isDefault: (v) => v === null };
      return {
        makeDefault: () => new Uint8Array(0),
        isDefault: (v) => v instanceof Uint8Array && v.length === 0,
      };
    case 'records':
      return { makeDefault: () => null, isDefault: (v) => v === null };
    case 'uuid':
      return {
        makeDefault: () => new Uint8Array(ZERO_UUID_BYTES),
        isDefault: (v) => v instanceof Uint8Array && v.length === 16 && v.every((b) => b === 0),
      };
    default:
      throw new Error(`unknown field type ${f.type} for ${f.name}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Value codecs

function nullError(field: string): ProtocolError {
  return new ProtocolError(`non-nullable field ${field} was null`);
}

function toBigInt(v: unknown, field: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  throw new ProtocolError(`field ${field} must be a bigint, got ${typeof v}`);
}

function primitiveCodec(type: string, field: string, flexible: boolean, nullable: boolean): ValueCodec {
  switch (type) {
    case 'int8':
      return { write: (w, v) => void w.int8(v as number), read: (r) => r.int8() };
    case 'int16':
      return { write: (w, v) => void w.int16(v as number), read: (r) => r.int16() };
    case 'uint16':
      return { write: (w, v) => void w.uint16(v as number), read: (r) => r.uint16() };
    case 'int32':
      return { write: (w, v) => void w.int32(v as number), read: (r) => r.int32() };
    case 'uint32':
      return { write: (w, v) => void w.uint32(v as number), read: (r) => r.uint32() };
    case 'int64':
      return { write: (w, v) => void w.int64(toBigInt(v, field)), read: (r) => r.int64() };
    case 'float64':
      return { write: (w, v) => void w.float64(v as number), read: (r) => r.float64() };
    case 'bool':
      return { write: (w, v) => void w.bool(v as boolean), read: (r) => r.bool() };
    case 'uuid':
      return {
        write: (w, v) => {
          if (!(v instanceof Uint8Array) || v.length !== 16) {
            throw new ProtocolError(`field ${field} must be a 16-byte Uint8Array uuid`);
          }
          w.raw(v);
        },
        read: (r) => r.uuid(),
      };
    case 'string':
      return {
        write: flexible
          ? (w, v) => {
              if (v === null && !nullable) throw nullError(field);
              w.compactString(v as string | null);
            }
          : (w, v) => {
              if (v === null && !nullable) throw nullError(field);
              w.string(v as string | null);
            },
        read: flexible
          ? (r) => {
              const s = r.compactString();
              if (s === null && !nullable) throw nullError(field);
              return s;
            }
          : (r) => {
              const s = r.string();
              if (s === null && !nullable) throw nullError(field);
              return s;
            },
      };
    case 'bytes':
    case 'records':
      return {
        write: flexible
          ? (w, v) => {
              if (v === null && !nullable) throw nullError(field);
              w.compactBytes(v as Uint8Array | null);
            }
          : (w, v) => {
              if (v === null && !nullable) throw nullError(field);
              w.bytes(v as Uint8Array | null);
            },
        read: flexible
          ? (r) => {
              const b = r.compactBytes();
              if (b === null && !nullable) throw nullError(field);
              return b;
            }
          : (r) => {
              const b = r.bytes();
              if (b === null && !nullable) throw nullError(field);
              return b;
            },
      };
    default:
      throw new Error(`unknown primitive type ${type} for ${field}`);
  }
}

function arrayCodec(element: ValueCodec, field: string, flexible: boolean, nullable: boolean): ValueCodec {
  return {
    write: (w, v) => {
      if (v === null) {
        if (!nullable) throw nullError(field);
        if (flexible) w.uvarint(0);
        else w.int32(-1);
        return;
      }
      if (!Array.isArray(v)) throw new ProtocolError(`field ${field} must be an array`);
      const n = v.length;
      if (flexible) w.uvarint(n + 1);
      else w.int32(n);
      for (let i = 0; i < n; i++) element.write(w, v[i]);
    },
    read: (r) => {
      const n = flexible ? r.compactArrayLength() : r.arrayLength();
      if (n < 0) {
        if (!nullable) throw nullError(field);
        return null;
      }
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        try {
          out[i] = element.read(r);
        } catch (e) {
          throw annotate(e, `[${i}]`);
        }
      }
      return out;
    },
  };
}

function annotate(e: unknown, segment: string): unknown {
  if (e instanceof ProtocolError) {
    const withPath = e as ProtocolError & { fieldPath?: string[] };
    (withPath.fieldPath ??= []).unshift(segment);
  }
  return e;
}

// ---------------------------------------------------------------------------------------------
// Struct plans

function fieldCodec(f: FieldDef, version: number, messageFlexible: boolean, path: string): ValueCodec {
  const flexible = f.flexibleVersions !== undefined ? inVersions(f.flexibleVersions, version) : messageFlexible;
  const nullable = inVersions(f.nullableVersions, version);
  const el = elementType(f);
  const name = `${path}${f.name}`;
  if (isStructType(f)) {
    const sub = compileStruct(el ?? f.type, f.fields ?? [], version, messageFlexible, `${name}.`);
    const structCodec: ValueCodec = {
      write: (w, v) => {
        if (v === null || typeof v !== 'object') throw new ProtocolError(`field ${name} must be an object`);
        sub.write(w, v as Obj);
      },
      read: (r) => sub.read(r),
    };
    if (el !== null) return arrayCodec(structCodec, name, flexible, nullable);
    if (!nullable) return structCodec;
    // Nullable single struct: an int8 marker, -1 for null, 1 for present.
    return {
      write: (w, v) => {
        if (v === null) {
          w.int8(-1);
          return;
        }
        w.int8(1);
        structCodec.write(w, v);
      },
      read: (r) => (r.int8() < 0 ? null : structCodec.read(r)),
    };
  }
  if (el !== null) {
    return arrayCodec(primitiveCodec(el, `${name}[]`, flexible, false), name, flexible, nullable);
  }
  return primitiveCodec(f.type, name, flexible, nullable);
}

function compileStruct(
  structName: string,
  fields: readonly FieldDef[],
  version: number,
  flexible: boolean,
  path: string,
): StructPlan {
  const regular: FieldPlan[] = [];
  const tagged: FieldPlan[] = [];
  const absent: AbsentField[] = [];
  const order: string[] = [];
  const defaultsByName = new Map<string, () => unknown>();

  for (const f of fields) {
    const { makeDefault, isDefault } = defaults(f);
    order.push(f.name);
    defaultsByName.set(f.name, makeDefault);
    if (!inVersions(f.versions, version)) {
      absent.push({ name: f.name, ignorable: f.ignorable === true, makeDefault, isDefault });
      continue;
    }
    const isTagged = flexible && f.taggedVersions !== undefined && inVersions(f.taggedVersions, version);
    const plan: FieldPlan = {
      name: f.name,
      def: f,
      codec: fieldCodec(f, version, flexible, path),
      tag: isTagged ? (f.tag ?? -1) : -1,
      makeDefault,
      isDefault,
    };
    if (isTagged) {
      if (f.tag === undefined) throw new Error(`tagged field ${path}${f.name} has no tag`);
      tagged.push(plan);
    } else {
      regular.push(plan);
    }
  }
  tagged.sort((a, b) => a.tag - b.tag);
  const taggedByTag = new Map<number, FieldPlan>(tagged.map((t) => [t.tag, t]));

  const write = (w: Writer, obj: Obj): void => {
    for (let i = 0; i < absent.length; i++) {
      const a = absent[i]!;
      const v = obj[a.name];
      if (v !== undefined && !a.ignorable && !a.isDefault(v)) {
        throw new KafkaWireError(
          'UNSUPPORTED_VERSION',
          `Attempted to write a non-default ${path}${a.name} at version ${version} of ${structName}`,
        );
      }
    }
    for (let i = 0; i < regular.length; i++) {
      const p = regular[i]!;
      let v = obj[p.name];
      if (v === undefined) v = p.makeDefault();
      p.codec.write(w, v);
    }
    if (!flexible) return;
    writeTaggedSection(w, obj, tagged);
  };

  const read = (r: Reader): Obj => {
    const o: Obj = {};
    // Declared order for every field; fields outside the version keep their defaults.
    for (let i = 0; i < order.length; i++) o[order[i]!] = undefined;
    let current = '';
    try {
      for (let i = 0; i < regular.length; i++) {
        const p = regular[i]!;
        current = p.name;
        o[p.name] = p.codec.read(r);
      }
      current = '';
      if (flexible) {
        const unknown = readTaggedSection(r, taggedByTag, o, (name) => (current = name));
        if (unknown !== null) o[UNKNOWN_TAGGED_FIELDS] = unknown;
      }
    } catch (e) {
      throw annotate(e, current === '' ? '<tagged fields>' : current);
    }
    for (let i = 0; i < order.length; i++) {
      const n = order[i]!;
      if (o[n] === undefined) o[n] = defaultsByName.get(n)!();
    }
    return o;
  };

  return { name: structName, version, flexible, write, read };
}

function writeTaggedSection(w: Writer, obj: Obj, tagged: readonly FieldPlan[]): void {
  const unknownRaw = obj[UNKNOWN_TAGGED_FIELDS];
  const unknown = Array.isArray(unknownRaw) ? (unknownRaw as RawTaggedField[]) : EMPTY_RAW;
  let present: Array<{ plan: FieldPlan; value: unknown }> | null = null;
  for (let i = 0; i < tagged.length; i++) {
    const p = tagged[i]!;
    const v = obj[p.name];
    if (v === undefined || p.isDefault(v)) continue;
    (present ??= []).push({ plan: p, value: v });
  }
  const nKnown = present === null ? 0 : present.length;
  w.uvarint(nKnown + unknown.length);
  if (nKnown + unknown.length === 0) return;
  let u = 0;
  for (let i = 0; i < nKnown; i++) {
    const { plan, value } = present![i]!;
    while (u < unknown.length && unknown[u]!.tag < plan.tag) writeRaw(w, unknown[u++]!);
    const scratch = new Writer(64);
    plan.codec.write(scratch, value);
    const bytes = scratch.finish();
    w.uvarint(plan.tag).uvarint(bytes.length).raw(bytes);
  }
  while (u < unknown.length) writeRaw(w, unknown[u++]!);
}

const EMPTY_RAW: RawTaggedField[] = [];

function writeRaw(w: Writer, f: RawTaggedField): void {
  w.uvarint(f.tag).uvarint(f.data.length).raw(f.data);
}

function readTaggedSection(
  r: Reader,
  taggedByTag: ReadonlyMap<number, FieldPlan>,
  o: Obj,
  setCurrent: (name: string) => void,
): RawTaggedField[] | null {
  const start = r.pos;
  const n = r.uvarint('tagged field count');
  // Every tagged field takes at least two bytes (tag and size).
  if (n > r.remaining / 2) {
    throw new ProtocolError(`tagged field count ${n} at offset ${start} exceeds the ${r.remaining} remaining bytes`);
  }
  let unknown: RawTaggedField[] | null = null;
  for (let i = 0; i < n; i++) {
    const tag = r.uvarint('tag');
    const size = r.uvarint('tagged field size');
    if (size > r.remaining) {
      throw new ProtocolError(`tagged field ${tag} of ${size} bytes exceeds the ${r.remaining} remaining bytes`);
    }
    const plan = taggedByTag.get(tag);
    if (plan === undefined) {
      (unknown ??= []).push({ tag, data: r.raw(size, 'unknown tagged field') });
      continue;
    }
    setCurrent(plan.name);
    const fieldStart = r.pos;
    const value = plan.codec.read(r);
    if (r.pos - fieldStart !== size) {
      throw new ProtocolError(
        `tagged field ${plan.name} (tag ${tag}) declared ${size} bytes but its value took ${r.pos - fieldStart}`,
      );
    }
    o[plan.name] = value;
  }
  return unknown;
}

// ---------------------------------------------------------------------------------------------
// Public API

const planCache = new WeakMap<MessageDef, Map<number, StructPlan>>();

/** The compiled plan of `def` at `version` (built once, then cached). */
export function planFor(def: MessageDef, version: number): StructPlan {
  let byVersion = planCache.get(def);
  if (byVersion === undefined) {
    byVersion = new Map();
    planCache.set(def, byVersion);
  }
  let plan = byVersion.get(version);
  if (plan === undefined) {
    const valid = parseVersions(def.validVersions);
    if (!Number.isInteger(version) || version < valid.min || version > valid.max) {
      throw new KafkaWireError(
        'UNSUPPORTED_VERSION',
        `${def.name} has no version ${version} (valid: ${def.validVersions})`,
      );
    }
    plan = compileStruct(def.name, def.fields, version, inVersions(def.flexibleVersions, version), '');
    byVersion.set(version, plan);
  }
  return plan;
}

/** Whether `version` of `def` is a flexible version. */
export function isFlexible(def: MessageDef, version: number): boolean {
  return inVersions(def.flexibleVersions, version);
}

/** Append the encoding of `value` as `def` at `version` to `w`. */
export function writeMessage(w: Writer, def: MessageDef, version: number, value: object): void {
  planFor(def, version).write(w, value as Obj);
}

/** Encode `value` as `def` at `version`. */
export function encodeMessage(def: MessageDef, version: number, value: object): Uint8Array {
  const w = new Writer(256);
  writeMessage(w, def, version, value);
  return w.finish();
}

/** Read one `def` at `version` from `r` (advancing it). Malformed input throws ProtocolError. */
export function readMessage<T = Obj>(r: Reader, def: MessageDef, version: number): T {
  const plan = planFor(def, version);
  try {
    return plan.read(r) as T;
  } catch (e) {
    if (e instanceof ProtocolError) {
      const path = (e as ProtocolError & { fieldPath?: string[] }).fieldPath;
      const where = path && path.length > 0 ? ` at ${path.join('.').replace(/\.\[/g, '[')}` : '';
      throw new ProtocolError(`cannot decode ${def.name} v${version}${where}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

/**
 * Decode `bytes` as `def` at `version`. Trailing bytes after the message are an error unless
 * `allowTrailing` is set.
 */
export function decodeMessage<T = Obj>(
  def: MessageDef,
  version: number,
  bytes: Uint8Array,
  allowTrailing = false,
): T {
  const r = new Reader(bytes);
  const v = readMessage<T>(r, def, version);
  if (!allowTrailing && r.remaining !== 0) {
    throw new ProtocolError(`cannot decode ${def.name} v${version}: ${r.remaining} trailing bytes`);
  }
  return v;
}
