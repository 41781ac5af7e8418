// A vitest reporter that makes every skip visible: at the end of the run it lists each skipped
// test with its reason, and ends with one line, `SKIPPED: N tests (reasons)`, or
// `SKIPPED: none`. With KAFKA_WIRE_FAIL_ON_SKIP=1 (set by .ci/run) any skip fails the run.
//
// A test's reason is its skip note (`ctx.skip(reason)`, see skipUnless below); tests skipped
// without a note (describe.skipIf) are listed with the reasons the global setup recorded for
// whatever it could not provide (recordUnavailable: mock cluster, Bun, ...).

import fs from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** Shared with test/helpers/global-setup.ts, which runs in the same (main) process. */
const store = ((globalThis as { __kafkaWireUnavailable?: Map<string, string> }).__kafkaWireUnavailable ??= new Map());

/** Record that something the live suites need is unavailable, and why (global setup only). */
export function recordUnavailable(what: string, why: string): void {
  store.set(what, why);
}

interface Skipped {
  name: string;
  file: string;
  note: string | undefined;
}

export default class SkipReporter implements Reporter {
  private lines: Promise<string[]> | null = null;
  private resolveLines: ((lines: string[]) => void) | null = null;

  onInit(): void {
    this.lines = new Promise((r) => (this.resolveLines = r));
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    this.resolveLines?.(this.summarize(testModules));
  }

  // The JSON reporter logs its "report written" line after an asynchronous write, so to come
  // last these lines are written as the process exits (synchronously; `vitest run` exits).
  async onFinished(): Promise<void> {
    const lines = await Promise.race([this.lines ?? Promise.resolve([]), new Promise<string[]>((r) => setTimeout(() => r([]), 5_000))]);
    if (lines.length > 1 && process.env.KAFKA_WIRE_FAIL_ON_SKIP === '1') process.exitCode = 1;
    const text = lines.map((l) => `${l}\n`).join('');
    process.once('exit', () => {
      try {
        fs.writeSync(1, text);
      } catch {
        /* stdout gone */
      }
    });
  }

  private summarize(testModules: ReadonlyArray<TestModule>): string[] {
    const skipped: Skipped[] = [];
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const r = test.result();
        if (r.state !== 'skipped') continue;
        skipped.push({ name: test.fullName, file: path.relative(process.cwd(), mod.moduleId), note: r.note });
      }
    }
    const lines: string[] = [];
    const out = (line: string) => lines.push(line);
    if (skipped.length === 0) return ['SKIPPED: none'];
    const env = [...store.values()];
    const fallback = env.length > 0 ? `no note; the setup reported: ${env.join('; ')}` : 'no reason given (skipped statically: it.skip / describe.skipIf)';
    out('');
    out(`Skipped tests (${skipped.length}):`);
    const reasons = new Map<string, number>();
    for (const s of skipped) {
      const why = s.note ?? fallback;
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
      out(`  - ${s.file} > ${s.name}: ${why}`);
    }
    const summary = [...reasons.entries()].map(([why, n]) => (reasons.size > 1 ? `${n}: ${why}` : why)).join(' | ');
    if (process.env.KAFKA_WIRE_FAIL_ON_SKIP === '1') out('KAFKA_WIRE_FAIL_ON_SKIP=1: a skipped test fails this run');
    out(`SKIPPED: ${skipped.length} test${skipped.length === 1 ? '' : 's'} (${summary})`);
    return lines;
  }
}
