/**
 * Kafka Uuids on the wire are 16 raw bytes (most significant long first). Kafka prints them as
 * URL-safe base64 without padding (22 characters), e.g. topic ids in kafka-topics output.
 */
import { ProtocolError } from '../../errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** The all-zero Uuid (Kafka's Uuid.ZERO_UUID), a fresh array each call. */
export function zeroUuid(): Uint8Array {
  return new Uint8Array(16);
}

export function isZeroUuid(id: Uint8Array): boolean {
  for (let i = 0; i < id.length; i++) if (id[i] !== 0) return false;
  return true;
}

/** Kafka's Uuid.toString(): URL-safe base64 of the 16 bytes, no padding. */
export function uuidToString(id: Uint8Array): string {
  if (id.length !== 16) throw new RangeError(`uuid must be 16 bytes, got ${id.length}`);
  let out = '';
  let i = 0;
  for (; i + 3 <= 16; i += 3) {
    const n = (id[i]! << 16) | (id[i + 1]! << 8) | id[i + 2]!;
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  // One byte left (16 = 5 * 3 + 1): two characters.
  const last = id[15]!;
  out += ALPHABET[last >> 2]! + ALPHABET[(last & 3) << 4]!;
  return out;
}

/** Parses Kafka's Uuid string form (22 URL-safe base64 characters; padding tolerated). */
export function uuidFromString(s: string): Uint8Array {
  const str = s.endsWith('==') ? s.slice(0, -2) : s;
  if (str.length !== 22) throw new ProtocolError(`invalid Kafka Uuid string ${JSON.stringify(s)}: expected 22 characters`);
  const out = new Uint8Array(16);
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < 22; i++) {
    const c = str.charCodeAt(i);
    const v = c < 128 ? LOOKUP[c]! : -1;
    if (v < 0) throw new ProtocolError(`invalid Kafka Uuid string ${JSON.stringify(s)}: bad character`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o < 16) out[o++] = (acc >> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
  }
  if (acc !== 0) throw new ProtocolError(`invalid Kafka Uuid string ${JSON.stringify(s)}: non-zero trailing bits`);
  return out;
}
