/**
 * kafka-wire conformance: a catalogue of producer-side protocol checks run against any
 * Kafka-compatible cluster (src/conformance/catalogue.ts), the runner that gives each check its
 * own client, topic and timeout, and the report forms. `kafka-wire conformance` (src/cli) is its
 * command; docs/ARCHITECTURE.md places it beside the public API.
 */
export { CATALOGUE } from './catalogue.js';
export { runConformance, selectChecks, type CheckResult, type ClusterDescription, type ConformanceOptions, type ConformanceReport } from './runner.js';
export { exitCodeOf, formatReport, summaryLine, type ReportFormat } from './report.js';
export type { Check, CheckGroup, Level, Outcome, Status } from './check.js';
