/**
 * Command-line parsing shared by `kafka-wire produce` and `kafka-wire perf`: Kafka's tools take
 * `--flag value` pairs, repeatable `--property k=v` flags, and (perf) `--producer-props k=v ...`
 * that swallow values until the next flag. Errors are UsageError, printed with the command's help.
 */
import { readFileSync } from 'node:fs';
import { parsePropertiesFile } from '../config.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  readonly name: string;
  readonly help: string;
  /**
   * 'one': takes one value; 'many': repeatable, one value each; 'rest': values until the next flag
   * (repeatable, values add up); 'none': a switch; 'optional': a value if the next argument is not a flag.
   */
  readonly arity: 'one' | 'many' | 'rest' | 'none' | 'optional';
  readonly required?: boolean;
  readonly metavar?: string;
}

export interface ParsedArgs {
  one(name: string): string | undefined;
  many(name: string): string[];
  has(name: string): boolean;
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let inline: string | undefined;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    if (eq > 0 && !byName.has(arg)) [arg, inline] = [arg.slice(0, eq), arg.slice(eq + 1)];
    const spec = byName.get(arg);
    if (!spec) {
      if (arg.startsWith('-')) {
        const near = specs.map((s) => s.name).find((n) => n.replace(/[-.]/g, '') === arg.replace(/[-.]/g, ''));
        throw new UsageError(`${arg.replace(/^-+/, '')} is not a recognized option${near ? ` (did you mean ${near}?)` : ''}`);
      }
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    }
    const list = values.get(spec.name) ?? [];
    values.set(spec.name, list);
    if (spec.arity === 'none') {
      if (inline !== undefined) throw new UsageError(`${spec.name} takes no value`);
      list.push('true');
    } else if (spec.arity === 'optional') {
      if (list.length > 0) throw new UsageError(`${spec.name} given more than once`);
      if (inline !== undefined) list.push(inline);
      else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) list.push(argv[++i]!);
      else list.push('');
    } else if (spec.arity === 'rest') {
      if (inline !== undefined) list.push(inline);
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) list.push(argv[++i]!);
      if (list.length === 0) throw new UsageError(`${spec.name} needs at least one value`);
    } else {
      const v = inline ?? (i + 1 < argv.length ? argv[++i] : undefined);
      if (v === undefined) throw new UsageError(`${spec.name} needs a value${spec.metavar ? ` (${spec.metavar})` : ''}`);
      if (spec.arity === 'one' && list.length > 0) throw new UsageError(`${spec.name} given more than once`);
      list.push(v);
    }
  }
  const wantsHelp = values.has('--help');
  for (const s of specs) if (s.required && !wantsHelp && !values.has(s.name)) throw new UsageError(`argument ${s.name} is required`);
  return {
    one: (n) => values.get(n)?.[0],
    many: (n) => values.get(n) ?? [],
    has: (n) => values.has(n),
  };
}

/** Splits `k=v` (the first '=' separates) into a pair, naming the flag on error. */
export function keyValue(flag: string, s: string): [string, string] {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} expects key=value, got ${JSON.stringify(s)}`);
  return [s.slice(0, eq), s.slice(eq + 1)];
}

export function helpText(usage: string, description: string, specs: readonly FlagSpec[]): string {
  const width = Math.max(...specs.map((s) => s.name.length + (s.metavar ? s.metavar.length + 1 : 0))) + 2;
  const lines = specs.map((s) => {
    const left = s.metavar ? `${s.name} ${s.metavar}` : s.name;
    return `  ${left.padEnd(width)}${s.required ? '(required) ' : ''}${s.help}`;
  });
  return `${usage}\n\n${description}\n\nOptions:\n${lines.join('\n')}\n`;
}

/** Strict non-negative/positive integer parsing for numeric flags. */
export function intFlag(flag: string, v: string | undefined, { min = -Infinity }: { min?: number } = {}): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v.trim())) throw new UsageError(`${flag} expects an integer, got ${JSON.stringify(v)}`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be an integer >= ${min}, got ${v}`);
  return n;
}

/** A Java properties file, read as java.util.Properties reads it (config.ts parsePropertiesFile). */
export function loadPropertiesFile(file: string): Record<string, string> {
  return parsePropertiesFile(readFileSync(file));
}

/**
 * Kafka's CommandLineUtils.parseKeyValueArgs: `k=v` splits at the first `=`; `k` alone is `k`
 * with an empty value; an entry with no key is an error.
 */
export function parseKeyValueArgs(flag: string, pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of pairs) {
    const eq = kv.indexOf('=');
    if (eq === 0 || kv === '') throw new UsageError(`${flag} expects key=value, got ${JSON.stringify(kv)}`);
    if (eq < 0) out[kv] = '';
    else out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

/**
 * Kafka 4.4's renamed options: the new name and its deprecated one are the same option, may not
 * be given together (Java's message), and the deprecated one prints Java's warning.
 */
export function renamedOption(args: ParsedArgs, current: string, deprecated: string, warn: (line: string) => void, removal = 'in a future version'): string | undefined {
  if (args.has(current) && args.has(deprecated)) throw new UsageError(`Options ${current} and ${deprecated} cannot be specified together.`);
  if (args.has(deprecated)) {
    warn(`Warning: ${deprecated} is deprecated and will be removed ${removal}. Use ${current} instead.`);
    return deprecated;
  }
  return args.has(current) ? current : undefined;
}
