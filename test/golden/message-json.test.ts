/**
 * Every message description in src/protocol/messages/definitions.ts, checked against Kafka's own
 * message definitions: the common/message/*.json files inside the kafka-clients jar (the one the
 * broker tool resolves, tools/kafka/pom.xml, and the 3.9 line's when it is in ~/.m2), read
 * straight out of the jar at test time (test/helpers/jar.ts).
 *
 * The definitions stay hand-written; this test makes the transcription provably faithful. It is
 * driven by the definitions module itself: every exported MessageDef is matched with the JSON
 * whose own `apiKey` + `type` (headers: `name`) agree, so a new description (FindCoordinator,
 * EndTxn, Fetch, ...) is checked the moment it is exported, with nothing to register here.
 *
 * For each description and each version it describes (its validVersions; every version claimed
 * in SUPPORTED_VERSIONS must be among them), against the newest jar that has that version:
 *  - the message: name, apiKey, type, the version is valid in Kafka, flexible or not;
 *  - every field present at that version, recursively through struct (and commonStructs)
 *    fields: same set of fields (Kafka's PascalCase name -> our camelCase), same order of the
 *    untagged fields, type (exact Kafka spelling: int8..int64, uint16, uint32, float64, bool,
 *    string, bytes, records, uuid, []T, struct names), nullable, tagged and tag, compact or
 *    classic encoding (the field's flexibleVersions, else the message's), ignorable and the
 *    default (compared as a value: "0x7fffffff" = 2147483647, a missing default = the type's
 *    zero, JSON numbers/booleans = their string form).
 * `ignorable` is compared at the versions that lack the field (the only place it has an effect:
 * Java refuses a non-default value there unless the field is ignorable), defaults everywhere.
 * Not compared, being Java-side concerns with no effect on the bytes: about, entityType,
 * mapKey, zeroCopy, listeners.
 * Plus: claimed versions are not a `latestVersionUnstable` version, and the checker itself
 * catches deliberate errors (so a pass is not vacuous).
 *
 * Differences we keep on purpose go in KNOWN_DIFFERENCES with the reason; an entry that no
 * longer matches anything fails, so the list stays true.
 *
 * The jar missing (a fresh machine running only unit tests: the global setup resolves Kafka's
 * jars when live tests run, `npm run broker -- prepare` does it by hand) skips with the reason.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_VERSIONS, apiName } from '../../src/protocol/api-keys.js';
import * as definitions from '../../src/protocol/messages/definitions.js';
import { requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/messages/index.js';
import { inVersions, parseVersions, type FieldDef, type MessageDef } from '../../src/protocol/messages/schema.js';
import { readZipEntries } from '../helpers/jar.js';

// ---------------------------------------------------------------------------------------------
// Differences kept on purpose (none today). Each: the message, the field path (camelCase, dot
// separated, as the mismatch messages print it; '' for the message itself), the versions, why.

interface KnownDifference {
  readonly message: string;
  readonly path: string;
  readonly versions: string;
  readonly reason: string;
}

const KNOWN_DIFFERENCES: readonly KnownDifference[] = [];

// ---------------------------------------------------------------------------------------------
// The jars

const REPO_ROOT = join(import.meta.dirname, '..', '..');
/**
 * Maven's local repository is under Java's user.home, which comes from the account (passwd), not
 * from $HOME: look there first (the jars the broker tool resolved), then under $HOME.
 */
const M2_KAFKA_CLIENTS = ((): string => {
  const under = (home: string) => join(home, '.m2', 'repository', 'org', 'apache', 'kafka', 'kafka-clients');
  let account: string | null = null;
  try {
    account = userInfo().homedir;
  } catch {
    // no passwd entry
  }
  for (const home of [account, homedir()]) if (home && existsSync(under(home))) return under(home);
  return under(account ?? homedir());
})();

/** The Kafka version the broker tool resolves (tools/kafka/pom.xml `kafka.version`). */
function brokerToolKafkaVersion(): string {
  try {
    const pom = readFileSync(join(REPO_ROOT, 'tools', 'kafka', 'pom.xml'), 'utf8');
    const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
    if (m?.[1]) return m[1].trim();
  } catch {
    // fall through
  }
  return '4.4.0';
}

/** The newest 3.9.x kafka-clients in ~/.m2 (the fixtures' older line), else 3.9.1. */
function olderLineVersion(): string {
  let found: string[] = [];
  try {
    found = readdirSync(M2_KAFKA_CLIENTS).filter((v) => /^3\.9\.\d+$/.test(v) && existsSync(jarPath(v)));
  } catch {
    // no ~/.m2 at all
  }
  found.sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]));
  return found.at(-1) ?? '3.9.1';
}

function jarPath(version: string): string {
  return join(M2_KAFKA_CLIENTS, version, `kafka-clients-${version}.jar`);
}

/** Kafka's JSON field, as written in common/message/*.json (after comments are stripped). */
interface KafkaField {
  readonly name: string;
  readonly type: string;
  readonly versions: string;
  readonly nullableVersions?: string;
  readonly taggedVersions?: string;
  readonly tag?: number;
  readonly default?: string | number | boolean;
  readonly ignorable?: boolean;
  readonly flexibleVersions?: string;
  readonly fields?: readonly KafkaField[];
}

interface KafkaMessage {
  readonly file: string;
  readonly name: string;
  readonly type: string;
  readonly apiKey?: number;
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly latestVersionUnstable?: boolean;
  readonly fields: readonly KafkaField[];
  readonly commonStructs?: readonly { name: string; versions: string; fields: readonly KafkaField[] }[];
}

interface Jar {
  readonly version: string;
  readonly path: string;
  /** By `${apiKey}:${type}` for requests/responses and `header:${name}` for headers. */
  readonly messages: ReadonlyMap<string, KafkaMessage> | null;
}

/** Kafka's message JSON allows // and /* *\/ comments (Jackson ALLOW_COMMENTS); strings are kept intact. */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function loadJar(version: string): Jar {
  const path = jarPath(version);
  if (!existsSync(path)) return { version, path, messages: null };
  const files = readZipEntries(path, (n) => /^common\/message\/[^/]+\.json$/.test(n));
  const messages = new Map<string, KafkaMessage>();
  for (const [file, bytes] of files) {
    let spec: KafkaMessage;
    try {
      spec = { ...(JSON.parse(stripJsonComments(bytes.toString('utf8'))) as Omit<KafkaMessage, 'file'>), file };
    } catch (e) {
      throw new Error(`kafka-clients ${version} ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const key = messageKey(spec.type, spec.apiKey, spec.name);
    if (key !== null) messages.set(key, spec);
  }
  return { version, path, messages };
}

function messageKey(type: string, apiKey: number | undefined, name: string): string | null {
  if (type === 'header') return `header:${name}`;
  if ((type === 'request' || type === 'response') && apiKey !== undefined) return `${apiKey}:${type}`;
  return null;
}

/** Newest first: a version is checked against the newest jar in which it is valid. */
const JARS: readonly Jar[] = [loadJar(brokerToolKafkaVersion()), loadJar(olderLineVersion())];
const PRIMARY = JARS[0]!;
const RESOLVE_HINT =
  'the global setup resolves it when live tests run (npm test); by hand: npm run broker -- prepare';

// ---------------------------------------------------------------------------------------------
// What we describe and what we claim

function isMessageDef(x: unknown): x is MessageDef {
  if (x === null || typeof x !== 'object') return false;
  const o = x as Record<string, unknown>;
  return typeof o.name === 'string' && typeof o.validVersions === 'string' && Array.isArray(o.fields) && typeof o.type === 'string';
}

/** Every MessageDef definitions.ts exports (by value identity, so aliases count once). */
const DEFS: readonly MessageDef[] = [...new Set(Object.values(definitions).filter(isMessageDef))];

function versionsOf(spec: string): number[] {
  const r = parseVersions(spec);
  if (r.max === Infinity) throw new Error(`validVersions ${spec} has no upper bound`);
  const out: number[] = [];
  for (let v = r.min; v <= r.max; v++) out.push(v);
  return out;
}

/** The versions kafka-wire actually sends or reads of each description. */
function claimedVersions(def: MessageDef): number[] {
  const out = new Set<number>();
  for (const [key, range] of Object.entries(SUPPORTED_VERSIONS)) {
    const apiKey = Number(key);
    // (An API without descriptions is reported by the first test; header versions need them.)
    const described = definitions.MESSAGE_DEFS[apiKey] !== undefined;
    for (let v = range.min; v <= range.max; v++) {
      if (def.type !== 'header' && def.apiKey === apiKey) out.add(v);
      if (described && def.name === 'RequestHeader') out.add(requestHeaderVersion(apiKey, v));
      if (described && def.name === 'ResponseHeader') out.add(responseHeaderVersion(apiKey, v));
    }
  }
  return [...out].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------
// The comparison

interface Mismatch {
  readonly message: string;
  readonly path: string;
  readonly version: number;
  readonly what: string;
}

const PRIMITIVES = new Set(['int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'bool', 'string', 'bytes', 'records', 'uuid']);

const camel = (kafkaName: string): string => kafkaName.charAt(0).toLowerCase() + kafkaName.slice(1);
const baseType = (type: string): string => (type.startsWith('[]') ? type.slice(2) : type);
const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

/** A default as a comparable value: Java's semantics for a missing default and for each type. */
function normalizeDefault(type: string, isStruct: boolean, raw: unknown): string {
  const s = raw === undefined ? '' : String(raw).trim();
  if (type.startsWith('[]') || isStruct) return s === 'null' ? 'null' : s === '' ? '(empty)' : `invalid:${s}`;
  switch (type) {
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'int64': {
      if (s === '') return '0';
      const neg = s.startsWith('-');
      const body = neg ? s.slice(1) : s;
      try {
        const n = BigInt(body); // BigInt reads 0x.. itself
        return String(neg ? -n : n);
      } catch {
        return `invalid:${s}`;
      }
    }
    case 'float64':
      return s === '' ? '0' : String(Number(s));
    case 'bool':
      return s === '' ? 'false' : s.toLowerCase();
    case 'string':
      return s === 'null' ? 'null' : JSON.stringify(raw === undefined ? '' : String(raw));
    case 'bytes':
    case 'records':
      return s === 'null' ? 'null' : s === '' ? '(empty)' : `invalid:${s}`;
    case 'uuid':
      return s === '' || s === 'AAAAAAAAAAAAAAAAAAAAAA' ? '(zero)' : s;
    default:
      return `?${s}`;
  }
}

class Comparer {
  readonly mismatches: Mismatch[] = [];

  constructor(
    private readonly ours: MessageDef,
    private readonly kafka: KafkaMessage,
  ) {}

  private report(path: string, version: number, what: string): void {
    this.mismatches.push({ message: this.ours.name, path, version, what });
  }

  /** Kafka's fields of a struct-typed field: inline, else from commonStructs. */
  private kafkaStructFields(f: KafkaField): readonly KafkaField[] | null {
    if (PRIMITIVES.has(baseType(f.type))) return null;
    if (f.fields) return f.fields;
    const common = this.kafka.commonStructs?.find((s) => s.name === baseType(f.type));
    if (!common) throw new Error(`${this.kafka.file}: struct type ${f.type} of ${f.name} is neither inline nor a commonStruct`);
    return common.fields;
  }

  compareVersion(version: number): void {
    const ours = this.ours;
    const kafka = this.kafka;
    if (ours.name !== kafka.name) this.report('', version, `name: ours ${ours.name}, Kafka ${kafka.name}`);
    if (ours.type !== kafka.type) this.report('', version, `type: ours ${ours.type}, Kafka ${kafka.type}`);
    if (ours.apiKey !== kafka.apiKey) this.report('', version, `apiKey: ours ${ours.apiKey}, Kafka ${kafka.apiKey}`);
    if (!inVersions(kafka.validVersions, version)) {
      this.report('', version, `not a valid version in Kafka (validVersions ${kafka.validVersions})`);
      return;
    }
    const fo = inVersions(ours.flexibleVersions, version);
    const fk = inVersions(kafka.flexibleVersions, version);
    if (fo !== fk) this.report('', version, `flexible: ours ${yesNo(fo)} (${ours.flexibleVersions}), Kafka ${yesNo(fk)} (${kafka.flexibleVersions})`);
    this.compareFields(ours.fields, kafka.fields, '', version);
  }

  private compareFields(ours: readonly FieldDef[], kafka: readonly KafkaField[], parent: string, v: number): void {
    const at = (p: string) => (parent ? `${parent}.${p}` : p);
    const oursHere = ours.filter((f) => inVersions(f.versions, v));
    const kafkaHere = kafka.filter((f) => inVersions(f.versions, v));
    const oursByName = new Map(oursHere.map((f) => [f.name, f]));
    const kafkaByName = new Map(kafkaHere.map((f) => [camel(f.name), f]));
    for (const f of oursHere) {
      if (!kafkaByName.has(f.name)) {
        const elsewhere = kafka.find((k) => camel(k.name) === f.name);
        this.report(at(f.name), v, elsewhere
          ? `present in ours (versions ${f.versions}), absent in Kafka at this version (versions ${elsewhere.versions})`
          : `present in ours, unknown to Kafka (Kafka's fields here: ${kafka.map((k) => camel(k.name)).join(', ') || 'none'})`);
      }
    }
    for (const k of kafkaHere) {
      const name = camel(k.name);
      if (!oursByName.has(name)) {
        const elsewhere = ours.find((f) => f.name === name);
        this.report(at(name), v, elsewhere
          ? `absent in ours at this version (ours: versions ${elsewhere.versions}), present in Kafka (versions ${k.versions})`
          : `missing in ours: Kafka has ${k.name} (${k.type}, versions ${k.versions}${k.taggedVersions ? `, tag ${k.tag}` : ''})`);
      }
    }
    // Untagged fields are written in order; tagged ones by tag number.
    const untagged = (names: string[], tagged: (n: string) => boolean) => names.filter((n) => oursByName.has(n) && kafkaByName.has(n) && !tagged(n));
    const orderOurs = untagged(oursHere.map((f) => f.name), (n) => inVersions(oursByName.get(n)!.taggedVersions, v));
    const orderKafka = untagged(kafkaHere.map((f) => camel(f.name)), (n) => inVersions(kafkaByName.get(n)!.taggedVersions, v));
    if (orderOurs.join() !== orderKafka.join()) {
      this.report(parent, v, `field order: ours ${orderOurs.join(', ')}; Kafka ${orderKafka.join(', ')}`);
    }
    for (const o of oursHere) {
      const k = kafkaByName.get(o.name);
      if (k) this.compareField(o, k, at(o.name), v);
    }
    // A field both describe but neither has at this version still matters here: reading gives
    // its default, and writing a non-default value is an error unless it is ignorable.
    for (const o of ours) {
      if (oursByName.has(o.name)) continue;
      const k = kafka.find((f) => camel(f.name) === o.name);
      if (!k || kafkaByName.has(o.name)) continue;
      this.compareAbsent(o, k, at(o.name), v);
    }
  }

  private compareField(o: FieldDef, k: KafkaField, path: string, v: number): void {
    const diff = (what: string, ours: unknown, kafka: unknown) => {
      if (ours !== kafka) this.report(path, v, `${what}: ours ${String(ours)}, Kafka ${String(kafka)}`);
    };
    diff('type', o.type, k.type);
    const kStruct = this.kafkaStructFields(k);
    const oStruct = o.fields ?? null;
    diff('struct', oStruct !== null, kStruct !== null);
    diff('nullable', inVersions(o.nullableVersions, v), inVersions(k.nullableVersions, v));
    const ot = inVersions(o.taggedVersions, v);
    const kt = inVersions(k.taggedVersions, v);
    diff('tagged', ot, kt);
    if (ot && kt) diff('tag', o.tag, k.tag);
    const flex = (own: string | undefined, msg: string) => inVersions(own ?? msg, v);
    diff('compact (flexible) encoding', flex(o.flexibleVersions, this.ours.flexibleVersions), flex(k.flexibleVersions, this.kafka.flexibleVersions));
    const isStruct = oStruct !== null || kStruct !== null;
    diff('default', normalizeDefault(o.type, isStruct, o.default), normalizeDefault(k.type, isStruct, k.default));
    // (ignorable has no effect at a version that has the field: see compareAbsent.)
    if (oStruct && kStruct) this.compareFields(oStruct, kStruct, path, v);
  }

  private compareAbsent(o: FieldDef, k: KafkaField, path: string, v: number): void {
    const diff = (what: string, ours: unknown, kafka: unknown) => {
      if (ours !== kafka) this.report(path, v, `${what} (field absent at this version): ours ${String(ours)}, Kafka ${String(kafka)}`);
    };
    diff('ignorable', o.ignorable === true, k.ignorable === true);
    const isStruct = o.fields !== undefined || this.kafkaStructFields(k) !== null;
    diff('default', normalizeDefault(o.type, isStruct, o.default), normalizeDefault(k.type, isStruct, k.default));
  }
}

/** "v3-5, v9" from [3, 4, 5, 9]. */
function ranges(vs: readonly number[]): string {
  const sorted = [...new Set(vs)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `v${sorted[i]}` : `v${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** One line per (path, what), with the versions it holds for. */
function describeMismatches(ms: readonly Mismatch[], source: string): string {
  const groups = new Map<string, { m: Mismatch; versions: number[] }>();
  for (const m of ms) {
    const key = `${m.path}\u0000${m.what}`;
    const g = groups.get(key) ?? { m, versions: [] };
    g.versions.push(m.version);
    groups.set(key, g);
  }
  const lines = [...groups.values()].map(({ m, versions }) => `  ${m.message} ${ranges(versions)} ${m.path || '(message)'}: ${m.what}`);
  return `${ms.length} mismatch(es) against ${source}:\n${lines.join('\n')}`;
}

const isKnown = (m: Mismatch) => KNOWN_DIFFERENCES.some((d) => d.message === m.message && d.path === m.path && inVersions(d.versions, m.version));

/** Which jar checks which versions of a description: the newest present jar valid there. */
function plan(def: MessageDef): { byJar: Map<Jar, number[]>; unchecked: number[] } {
  const byJar = new Map<Jar, number[]>();
  const unchecked: number[] = [];
  for (const v of versionsOf(def.validVersions)) {
    const key = messageKey(def.type, def.apiKey, def.name);
    const jar = JARS.find((j) => {
      const spec = key === null ? undefined : j.messages?.get(key);
      return spec !== undefined && inVersions(spec.validVersions, v);
    });
    if (jar) byJar.set(jar, [...(byJar.get(jar) ?? []), v]);
    else unchecked.push(v);
  }
  return { byJar, unchecked };
}

function compare(def: MessageDef, spec: KafkaMessage, versions: readonly number[]): Mismatch[] {
  const c = new Comparer(def, spec);
  for (const v of versions) c.compareVersion(v);
  return c.mismatches;
}

function specFor(jar: Jar, def: MessageDef): KafkaMessage | undefined {
  const key = messageKey(def.type, def.apiKey, def.name);
  return key === null ? undefined : jar.messages?.get(key);
}

// ---------------------------------------------------------------------------------------------
// The tests

const absentReason = `kafka-clients-${PRIMARY.version}.jar is not in ~/.m2 (${PRIMARY.path}): ${RESOLVE_HINT}`;
const allMismatches: Mismatch[] = [];

describe("message definitions against Kafka's message JSON (kafka-clients jars)", () => {
  if (PRIMARY.messages === null) {
    process.stderr.write(`[message-json] skipped: ${absentReason}\n`);
    it('every definition matches Kafka’s message JSON', (ctx) => {
      ctx.skip(absentReason);
    });
    return;
  }

  it('every API we claim has a description covering the claimed versions, each found in the jar', () => {
    const problems: string[] = [];
    const byKey = new Map<string, MessageDef>();
    for (const def of DEFS) {
      const key = messageKey(def.type, def.apiKey, def.name);
      if (key === null) problems.push(`${def.name}: type ${def.type} / apiKey ${def.apiKey} names no Kafka message`);
      else if (byKey.has(key)) problems.push(`${def.name} and ${byKey.get(key)!.name} both describe ${key}`);
      else byKey.set(key, def);
      if (key !== null && !JARS.some((j) => j.messages?.has(key))) problems.push(`${def.name}: no ${key} message JSON in ${JARS.filter((j) => j.messages).map((j) => `kafka-clients ${j.version}`).join(' or ')}`);
    }
    for (const [key, range] of Object.entries(SUPPORTED_VERSIONS)) {
      const name = apiName(Number(key));
      const pair = definitions.MESSAGE_DEFS[Number(key)];
      if (!pair) {
        problems.push(`${name} (key ${key}): claimed in SUPPORTED_VERSIONS, no entry in MESSAGE_DEFS`);
        continue;
      }
      for (const def of [pair.request, pair.response]) {
        if (!DEFS.includes(def)) problems.push(`${def.name}: in MESSAGE_DEFS but not exported from definitions.ts (so not checked here)`);
        const valid = parseVersions(def.validVersions);
        if (range.min < valid.min || range.max > valid.max) {
          problems.push(`${def.name}: SUPPORTED_VERSIONS claims v${range.min}-${range.max}, the description covers only ${def.validVersions}`);
        }
      }
    }
    for (const def of DEFS) {
      for (const v of claimedVersions(def)) {
        if (!inVersions(def.validVersions, v)) problems.push(`${def.name}: v${v} is used but the description covers only ${def.validVersions}`);
        // A version Kafka marks unstable may still change: we must not speak it.
        const newest = JARS.find((j) => specFor(j, def) !== undefined);
        const spec = newest ? specFor(newest, def) : undefined;
        if (spec?.latestVersionUnstable && v === parseVersions(spec.validVersions).max) {
          problems.push(`${def.name}: v${v} is claimed, but kafka-clients ${newest!.version} marks it latestVersionUnstable`);
        }
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  for (const def of DEFS) {
    const { byJar, unchecked } = plan(def);
    for (const [jar, versions] of byJar) {
      const spec = specFor(jar, def)!;
      const source = `kafka-clients ${jar.version} ${spec.file}`;
      it(`${def.name} ${ranges(versions)} = ${source}`, () => {
        const ms = compare(def, spec, versions);
        allMismatches.push(...ms);
        const unknown = ms.filter((m) => !isKnown(m));
        if (unknown.length > 0) expect.fail(describeMismatches(unknown, source));
      });
    }
    if (unchecked.length > 0) {
      const claimed = claimedVersions(def).filter((v) => unchecked.includes(v));
      const missingJars = JARS.filter((j) => j.messages === null);
      it(`${def.name} ${ranges(unchecked)}: valid in a kafka-clients jar`, () => {
        // Versions no present jar knows: with every jar present that is a description claiming
        // versions Kafka does not have; a claimed version must always be checkable.
        if (missingJars.length === 0 || claimed.length > 0) {
          expect.fail(
            `${def.name} describes ${ranges(unchecked)}${claimed.length ? ` (claimed: ${ranges(claimed)})` : ''}, valid in none of ` +
              `${JARS.filter((j) => j.messages).map((j) => `kafka-clients ${j.version}`).join(', ')}` +
              (missingJars.length ? ` (absent: ${missingJars.map((j) => j.path).join(', ')})` : ''),
          );
        }
        // Unclaimed versions only an absent older jar could check (Produce v0-2, RequestHeader
        // v0: removed in Kafka 4.0, described for the 3.9 golden fixtures): said, not skipped,
        // so a CI run without that jar (KAFKA_WIRE_FAIL_ON_SKIP=1) still passes.
        process.stderr.write(
          `[message-json] ${def.name} ${ranges(unchecked)} not checked: not valid in kafka-clients ${PRIMARY.version}, and ` +
            `${missingJars.map((j) => j.path).join(', ')} is absent (mvn dependency:get -Dartifact=org.apache.kafka:kafka-clients:${missingJars[0]!.version} resolves it)\n`,
        );
      });
    }
  }

  it('every KNOWN_DIFFERENCES entry still matches a real difference', () => {
    const stale = KNOWN_DIFFERENCES.filter((d) => !allMismatches.some((m) => m.message === d.message && m.path === d.path && inVersions(d.versions, m.version)));
    expect(stale.map((d) => `${d.message} ${d.path} ${d.versions}: ${d.reason}`)).toEqual([]);
  });

  it('the checker catches deliberate errors (a pass is not vacuous)', () => {
    const def = definitions.ProduceResponseDef;
    const spec = specFor(PRIMARY, def)!;
    const mutate = (fn: (fields: FieldDef[]) => FieldDef[]): MessageDef => ({ ...def, fields: fn(structuredClone(def.fields) as FieldDef[]) });
    const at = (fields: readonly FieldDef[], name: string): FieldDef => fields.find((f) => f.name === name)!;
    type Mut = { -readonly [K in keyof FieldDef]: FieldDef[K] };
    const cases: Array<[string, MessageDef, string, string]> = [
      ['wrong nullable', mutate((fs) => { (at(at(at(fs, 'responses').fields!, 'partitionResponses').fields!, 'errorMessage') as Mut).nullableVersions = undefined; return fs; }), 'responses.partitionResponses.errorMessage', 'nullable'],
      ['missing tagged field', mutate((fs) => fs.filter((f) => f.name !== 'nodeEndpoints')), 'nodeEndpoints', 'missing in ours'],
      ['wrong default', mutate((fs) => { (at(fs, 'throttleTimeMs') as Mut).default = '-1'; return fs; }), 'throttleTimeMs', 'default'],
      ['wrong tag', mutate((fs) => { (at(fs, 'nodeEndpoints') as Mut).tag = 1; return fs; }), 'nodeEndpoints', 'tag'],
      ['wrong type', mutate((fs) => { (at(at(at(fs, 'responses').fields!, 'partitionResponses').fields!, 'baseOffset') as Mut).type = 'int32'; return fs; }), 'responses.partitionResponses.baseOffset', 'type'],
      ['wrong versions', mutate((fs) => { (at(at(fs, 'responses').fields!, 'name') as Mut).versions = '0+'; return fs; }), 'responses.name', 'present in ours'],
      ['wrong order', mutate((fs) => [fs[1]!, fs[0]!, ...fs.slice(2)]), '', 'field order'],
      ['not ignorable', mutate((fs) => { (at(at(fs, 'responses').fields!, 'name') as Mut).ignorable = false; return fs; }), 'responses.name', 'ignorable'],
      ['wrong default of an absent field', mutate((fs) => { (at(at(fs, 'responses').fields!, 'name') as Mut).default = 'null'; return fs; }), 'responses.name', 'default (field absent'],
      ['nested struct field', mutate((fs) => { (at(at(at(fs, 'responses').fields!, 'partitionResponses').fields!, 'currentLeader').fields![0] as Mut).default = '0'; return fs; }), 'responses.partitionResponses.currentLeader.leaderId', 'default'],
      ['wrong flexible', { ...def, flexibleVersions: '10+' }, '', 'flexible'],
    ];
    for (const [label, bad, path, what] of cases) {
      const ms = compare(bad, spec, [9, 10, 12, 13]);
      expect(ms.some((m) => m.path === path && m.what.includes(what)), `${label}: ${describeMismatches(ms, spec.file)}`).toBe(true);
    }
    // A struct type Kafka defines once in commonStructs (as Fetch, ListOffsets, ... do) resolves
    // like an inline one: move CurrentLeader's fields there and compare again.
    type MutableField = { -readonly [K in keyof KafkaField]: KafkaField[K] };
    const hoisted = structuredClone(spec) as KafkaMessage & { commonStructs?: KafkaMessage['commonStructs'] };
    const partitionResponses = hoisted.fields[0]!.fields!.find((f) => f.name === 'PartitionResponses')!;
    const currentLeader = partitionResponses.fields!.find((f) => f.name === 'CurrentLeader') as MutableField;
    const leaderFields = currentLeader.fields;
    expect(leaderFields).toBeDefined();
    (hoisted as { commonStructs: KafkaMessage['commonStructs'] }).commonStructs = [
      { name: 'LeaderIdAndEpoch', versions: currentLeader.versions, fields: leaderFields! },
    ];
    delete currentLeader.fields;
    expect(compare(def, hoisted, [10, 13])).toEqual([]);
    const bad = mutate((fs) => { (at(at(at(fs, 'responses').fields!, 'partitionResponses').fields!, 'currentLeader').fields![1] as Mut).type = 'int64'; return fs; });
    expect(compare(bad, hoisted, [10]).map((m) => m.path)).toEqual(['responses.partitionResponses.currentLeader.leaderEpoch']);
    // Defaults compare as values.
    expect(normalizeDefault('int32', false, '0x7fffffff')).toBe(normalizeDefault('int32', false, 2147483647));
    expect(normalizeDefault('int64', false, -1)).toBe(normalizeDefault('int64', false, '-1'));
    expect(normalizeDefault('int16', false, undefined)).toBe(normalizeDefault('int16', false, '0'));
    expect(normalizeDefault('bool', false, false)).toBe(normalizeDefault('bool', false, undefined));
    expect(normalizeDefault('string', false, 'null')).not.toBe(normalizeDefault('string', false, undefined));
    expect(stripJsonComments('{"a": "x//y", // c\n "b": /* d */ 1}')).toBe('{"a": "x//y", \n "b":  1}');
  });
});
