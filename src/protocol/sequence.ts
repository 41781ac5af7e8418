/**
 * Producer sequence numbers (KIP-98): int32 per partition that wrap from 2^31 - 1 to 0, as
 * Kafka's DefaultRecordBatch.incrementSequence does. Used by the producer state (numbering) and
 * by the accumulator (split parts, retry ordering), so it lives below both.
 */
const MAX_SEQUENCE = 2147483647;

/** `sequence + increment`, wrapping past 2^31 - 1 to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > MAX_SEQUENCE - increment ? increment - (MAX_SEQUENCE - sequence) - 1 : sequence + increment;
}

/** Whether sequence `a` comes after `b`, across the wrap (within a window far below 2^31). */
export function sequenceAfter(a: number, b: number): boolean {
  const d = (a - b + 2 ** 31) % 2 ** 31;
  return d > 0 && d < 2 ** 30;
}
