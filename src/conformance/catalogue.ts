/**
 * The catalogue: every check, in the order a run takes them (the broker's introduction first,
 * then what a producer does, then what it relies on to read back). Ids are stable: CI history,
 * --only and the README's matrix refer to them.
 */
import type { Check } from './check.js';
import { API_VERSIONS_CHECKS } from './checks/api-versions.js';
import { IDEMPOTENCE_CHECKS } from './checks/idempotence.js';
import { METADATA_CHECKS } from './checks/metadata.js';
import { PRODUCE_CHECKS } from './checks/produce.js';
import { READ_BACK_CHECKS } from './checks/read-back.js';
import { SASL_CHECKS } from './checks/sasl.js';
import { TRANSACTION_CHECKS } from './checks/transactions.js';

export const CATALOGUE: readonly Check[] = [
  ...API_VERSIONS_CHECKS,
  ...METADATA_CHECKS,
  ...PRODUCE_CHECKS,
  ...IDEMPOTENCE_CHECKS,
  ...TRANSACTION_CHECKS,
  ...SASL_CHECKS,
  ...READ_BACK_CHECKS,
];
