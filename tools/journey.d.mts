// Types for tools/journey.mjs, for test/unit/journey-doc.test.ts under strict.
export interface JourneyStep {
  readonly title: string;
  /** [symbol, file]: `Class.member` or a top-level name, and the file (from the repository root) that defines it. */
  readonly code: readonly (readonly [string, string])[];
  readonly text: readonly string[];
  /** The trace events the step shows: [API name, 'request' | 'response']. */
  readonly trace: readonly (readonly [string, 'request' | 'response'])[];
}
export const JOURNEY: string;
export const STEPS: readonly JourneyStep[];
export function definesSymbol(source: string, symbol: string): boolean;
export function render(events: readonly unknown[], format: (event: unknown) => string, run: unknown): string;
