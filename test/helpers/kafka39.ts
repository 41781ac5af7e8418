// Kafka 3.9.1 beside the run's Kafka 4.4: the broker of transactions v1 (before KIP-890's
// transactions v2) and of the older feature levels. test/helpers/global-setup.ts starts it
// (`npm run broker -- up --kafka-version 3.9.1`, single node, its own state dir and ports) once
// per run when a test/live/*txn* or *kafka39* file is included. The read-back helpers of
// test/helpers/kafka.ts work against it with `bootstrap: kafka39Bootstrap()` (Kafka 4.4's Java
// client talks to a 3.9 broker).

import { inject } from 'vitest';

/** bootstrap.servers of the run's Kafka 3.9.1, or null when none was started. */
export function kafka39Bootstrap(): string | null {
  try {
    const bs = inject('kafka39Bootstrap');
    if (bs) return bs;
  } catch {
    /* not inside a vitest worker */
  }
  return process.env.KAFKA_WIRE_KAFKA39_BOOTSTRAP || null;
}

/** Why there is no Kafka 3.9.1 (the skip reason), or null when there is. */
export function kafka39Unavailable(): string | null {
  if (kafka39Bootstrap()) return null;
  if (process.env.KAFKA_WIRE_LIVE === '0') return 'no Kafka 3.9.1: KAFKA_WIRE_LIVE=0';
  return 'no Kafka 3.9.1 for this run (the global setup starts it when a test/live/*txn* or *kafka39* file is included)';
}
