// Types of system-deps.mjs (what the test setup fetches or installs by itself); index.d.mts
// re-declares the ones the broker tool's index re-exports.
type Log = (msg: string) => void;
/** A binary found, fetched, or why not. */
export type EnsuredBinary = { bin: string; version: string; fetched: boolean } | { bin: null; reason: string };

export const LIBRDKAFKA_PACKAGE: string;
export const APT_INSTALL_COMMAND: string;
export function rdkafkaMockHeader(): string;
export function userCacheDir(): string;
export function ensureLibrdkafkaDev(opts?: { log?: Log }): Promise<string | null>;
export const BUN_VERSION: string;
export function ensureBun(opts?: { log?: Log }): Promise<EnsuredBinary>;
export const DENO_VERSION: string;
/** Deno 2 ($DENO_BIN, cached, or fetched once from the npm registry). Never throws. */
export function ensureDeno(opts?: { log?: Log }): Promise<EnsuredBinary>;
export const WORKERD_VERSION: string;
/** workerd ($WORKERD_BIN, cached, or fetched once from the npm registry). Never throws. */
export function ensureWorkerd(opts?: { log?: Log }): Promise<EnsuredBinary>;
