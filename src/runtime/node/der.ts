/**
 * A small DER reader (ITU-T X.690, definite lengths only), enough to walk a PKCS#12 file: tags,
 * lengths, SEQUENCE/SET/context-tagged contents, OBJECT IDENTIFIERs, small INTEGERs and OCTET
 * STRINGs. It never allocates for a value (views into the input) and bounds-checks every length
 * against the bytes left, throwing DerError with what it was reading. No dependencies, so any
 * runtime adapter may use it.
 */

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

/** Universal tags used here (the full identifier octet). */
export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  BMP_STRING: 0x1e,
} as const;

/** `[n]` context-specific, constructed (EXPLICIT tagging, or IMPLICIT over a constructed type). */
export const contextConstructed = (n: number): number => 0xa0 | n;
/** `[n]` context-specific, primitive (IMPLICIT over a primitive type). */
export const contextPrimitive = (n: number): number => 0x80 | n;

/** One TLV: its identifier octet, its value (a view), and the whole encoding (a view). */
export interface DerElement {
  readonly tag: number;
  readonly value: Uint8Array;
  readonly encoded: Uint8Array;
}

/** Reads consecutive elements from `bytes` (the contents of a constructed element, or a whole file). */
export class DerReader {
  readonly #bytes: Uint8Array;
  #pos = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  get hasMore(): boolean {
    return this.#pos < this.#bytes.length;
  }

  /** The next element's identifier octet, without consuming it (undefined at the end). */
  peekTag(): number | undefined {
    return this.hasMore ? this.#bytes[this.#pos] : undefined;
  }

  /** The next element; with `expected`, throws unless its tag is that one. */
  next(what: string, expected?: number): DerElement {
    const bytes = this.#bytes;
    const start = this.#pos;
    if (start >= bytes.length) throw new DerError(`${what}: unexpected end of data`);
    const tag = bytes[start]!;
    if ((tag & 0x1f) === 0x1f) throw new DerError(`${what}: multi-byte tags are not used by PKCS#12`);
    if (expected !== undefined && tag !== expected) {
      throw new DerError(`${what}: expected tag 0x${expected.toString(16)}, found 0x${tag.toString(16)}`);
    }
    let p = start + 1;
    if (p >= bytes.length) throw new DerError(`${what}: truncated length`);
    let length = bytes[p++]!;
    if (length === 0x80) throw new DerError(`${what}: indefinite length (BER) is not DER; re-export the file with openssl or keytool`);
    if (length > 0x80) {
      const n = length & 0x7f;
      if (n > 4) throw new DerError(`${what}: length of ${n} octets is too large`);
      if (p + n > bytes.length) throw new DerError(`${what}: truncated length`);
      length = 0;
      for (let i = 0; i < n; i++) length = length * 256 + bytes[p++]!;
    }
    const end = p + length;
    if (end > bytes.length) throw new DerError(`${what}: length ${length} runs past the end of the data`);
    this.#pos = end;
    return { tag, value: bytes.subarray(p, end), encoded: bytes.subarray(start, end) };
  }

  /** The next element, which must be constructed with `tag`, as a reader over its contents. */
  enter(what: string, tag: number = TAG.SEQUENCE): DerReader {
    return new DerReader(this.next(what, tag).value);
  }

  /** The next element only if it has `tag` (OPTIONAL and DEFAULT fields). */
  optional(what: string, tag: number): DerElement | undefined {
    return this.peekTag() === tag ? this.next(what, tag) : undefined;
  }

  oid(what: string): string {
    return decodeOid(this.next(what, TAG.OID).value, what);
  }

  /** A non-negative INTEGER that fits a JavaScript number exactly (versions, iteration counts, lengths). */
  smallInteger(what: string): number {
    const v = this.next(what, TAG.INTEGER).value;
    if (v.length === 0) throw new DerError(`${what}: empty INTEGER`);
    if ((v[0]! & 0x80) !== 0) throw new DerError(`${what}: negative INTEGER`);
    if (v.length > 7) throw new DerError(`${what}: INTEGER too large`);
    let n = 0;
    for (const b of v) n = n * 256 + b;
    if (!Number.isSafeInteger(n)) throw new DerError(`${what}: INTEGER too large`);
    return n;
  }

  octetString(what: string): Uint8Array {
    return this.next(what, TAG.OCTET_STRING).value;
  }
}

/** Dotted-decimal form of an OBJECT IDENTIFIER's contents. */
export function decodeOid(v: Uint8Array, what = 'OBJECT IDENTIFIER'): string {
  if (v.length === 0) throw new DerError(`${what}: empty OBJECT IDENTIFIER`);
  const arcs: number[] = [];
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const b = v[i]!;
    n = n * 128 + (b & 0x7f);
    if (n > Number.MAX_SAFE_INTEGER) throw new DerError(`${what}: arc too large`);
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(n < 80 ? Math.floor(n / 40) : 2, n < 80 ? n % 40 : n - 80);
      else arcs.push(n);
      n = 0;
    } else if (i === v.length - 1) {
      throw new DerError(`${what}: truncated arc`);
    }
  }
  return arcs.join('.');
}

/** An AlgorithmIdentifier: `SEQUENCE { algorithm OID, parameters ANY OPTIONAL }`. */
export interface AlgorithmIdentifier {
  readonly oid: string;
  /** The parameters element, if present (NULL counts as present). */
  readonly params: DerElement | undefined;
}

export function readAlgorithmIdentifier(reader: DerReader, what: string): AlgorithmIdentifier {
  const seq = reader.enter(what);
  const oid = seq.oid(`${what} algorithm`);
  const params = seq.hasMore ? seq.next(`${what} parameters`) : undefined;
  return { oid, params };
}
