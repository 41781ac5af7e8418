/**
 * Command-line parsing shared by `kafka-wire produce` and `kafka-wire perf`: Kafka's tools take
 * `--flag value` pairs, repeatable `--property k=v` flags, and (perf) `--producer-props k=v ...`
 * that swallow values until the next flag. Errors are UsageError, printed with the command's help.
 */
import { readFileSync } from 'node:fs';
import { parseProperties } from '../config.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  readonly name: string;
  readonly help: string;
  /** 'one': takes one value; 'many': repeatable, one value each; 'rest': values until the next flag; 'none': a switch. */
  readonly arity: 'one' | 'many' | 'rest' | 'none';
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
        throw new UsageError(`unknown option ${arg}${near ? ` (did you mean ${near}?)` : ''}`);
      }
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    }
    const list = values.get(spec.name) ?? [];
    values.set(spec.name, list);
    if (spec.arity === 'none') {
      if (inline !== undefined) throw new UsageError(`${spec.name} takes no value`);
      list.push('true');
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
  for (const s of specs) if (s.required && !wantsHelp && !values.has(s.name)) throw new UsageError(`missing required option ${s.name}`);
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

/**
 * Producer properties from `--producer.config FILE` overlaid with repeatable `k=v` flags (the
 * flags win, as in Kafka's tools).
 */
export function producerProperties(args: ParsedArgs, pairsFlag: string): Record<string, string> {
  const props: Record<string, string> = {};
  const file = args.one('--producer.config');
  if (file !== undefined) Object.assign(props, parseProperties(readFileSync(file, 'utf8')));
  for (const kv of args.many(pairsFlag)) {
    const [k, v] = keyValue(pairsFlag, kv);
    props[k] = v;
  }
  return props;
}
