/**
 * Varint sizing helpers (Kafka's ByteUtils.sizeOf*). Used to size RecordBatch records
 * before writing them, so the length prefix is written once.
 */

/** Bytes needed for an unsigned varint of a 32-bit value (treated as unsigned). */
export function sizeOfUnsignedVarint(value: number): number {
  // Branches, not a loop: this sizes every record field on the producer's hot path.
  const v = value >>> 0;
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

/** ZigZag-encode a signed 32-bit integer into an unsigned 32-bit integer. */
export function zigzag32(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

/** Bytes needed for a zigzag varint of a signed 32-bit value. */
export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint(zigzag32(value | 0));
}

const MASK64 = (1n << 64n) - 1n;

/** ZigZag-encode a signed 64-bit bigint into an unsigned 64-bit bigint. */
export function zigzag64(value: bigint): bigint {
  const v = BigInt.asIntN(64, value);
  return ((v << 1n) ^ (v >> 63n)) & MASK64;
}

/** Bytes needed for a zigzag varlong of a signed 64-bit value. */
export function sizeOfVarlong(value: bigint): number {
  let v = zigzag64(value);
  // Fast path for values that fit in 32 bits.
  if (v <= 0xffffffffn) return sizeOfUnsignedVarint(Number(v));
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

/** Bytes needed for a zigzag varlong of a number (safe integer). Avoids bigint for small values. */
export function sizeOfVarlongNumber(value: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return sizeOfVarint(value);
  return sizeOfVarlong(BigInt(value));
}
