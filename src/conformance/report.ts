/**
 * A run's report in the three forms the command writes: a table for people, JSON for tools, and
 * JUnit XML for CI. In JUnit only a failed MUST is a <failure> (the exit code's rule); a failed
 * SHOULD is reported in the test case's output, a skipped check as <skipped> with its reason.
 */
import type { CheckResult, ConformanceReport } from './runner.js';

export type ReportFormat = 'table' | 'json' | 'junit';

const STATUS: Record<CheckResult['status'], string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', info: 'INFO' };

export function formatReport(report: ConformanceReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'junit':
      return junit(report);
    case 'table':
      return table(report);
  }
}

/** The exit code of a run: 0 when no MUST check failed. */
export function exitCodeOf(report: ConformanceReport): number {
  return report.summary.mustFailed === 0 ? 0 : 1;
}

export function summaryLine(report: ConformanceReport): string {
  const s = report.summary;
  return `${report.results.length} checks: ${s.pass} passed, ${s.fail} failed (${s.mustFailed} MUST, ${s.shouldFailed} SHOULD), ${s.skip} skipped, ${s.info} reported`;
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function table(report: ConformanceReport): string {
  const c = report.cluster;
  const head = [
    `kafka-wire conformance: ${c.bootstrap} (${c.securityProtocol}), ${c.brokers} broker(s), cluster id ${c.clusterId ?? 'none'}`,
    `  APIs: ${c.apis}`,
    ...(Object.keys(c.features).length ? [`  features: ${Object.entries(c.features).map(([k, v]) => `${k}=${v}`).join(', ')}`] : []),
    '',
  ];
  const idWidth = Math.max(...report.results.map((r) => r.id.length), 2);
  const rows = report.results.map((r) => {
    const line = `${r.id.padEnd(idWidth)}  ${r.level.padEnd(6)}  ${STATUS[r.status].padEnd(4)}  ${clip(r.observed, 150)}`;
    return r.status === 'fail' ? `${line}\n${' '.repeat(idWidth + 16)}expected: ${clip(r.expected, 150)}` : line;
  });
  const failed = report.summary.mustFailed === 0 ? 'no MUST check failed' : `${report.summary.mustFailed} MUST check(s) failed`;
  return `${[...head, `${'ID'.padEnd(idWidth)}  LEVEL   RESULT`, ...rows, '', `${summaryLine(report)}; ${failed}`].join('\n')}\n`;
}

function xml(s: string): string {
  return s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

function junit(report: ConformanceReport): string {
  const s = report.summary;
  const seconds = (ms: number): string => (ms / 1000).toFixed(3);
  const total = report.results.reduce((t, r) => t + r.durationMs, 0);
  const cases = report.results.map((r) => {
    const open = `    <testcase classname="conformance.${xml(r.group)}" name="${xml(`${r.id}: ${r.title}`)}" time="${seconds(r.durationMs)}">`;
    const body: string[] = [];
    const detail = `level: ${r.level}\nreference: ${r.reference}\nexpected: ${r.expected}\nobserved: ${r.observed}${r.notes.length ? `\nnotes: ${r.notes.join('; ')}` : ''}`;
    if (r.status === 'fail' && r.level === 'MUST') body.push(`      <failure message="${xml(r.observed)}" type="MUST">${xml(detail)}</failure>`);
    else if (r.status === 'skip') body.push(`      <skipped message="${xml(r.observed)}"/>`);
    else body.push(`      <system-out>${xml(r.status === 'fail' ? `SHOULD not met\n${detail}` : detail)}</system-out>`);
    return [open, ...body, '    </testcase>'].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="kafka-wire conformance" tests="${report.results.length}" failures="${s.mustFailed}" skipped="${s.skip}" time="${seconds(total)}">`,
    `  <testsuite name="${xml(`conformance ${report.cluster.bootstrap}`)}" tests="${report.results.length}" failures="${s.mustFailed}" skipped="${s.skip}" errors="0" time="${seconds(total)}" timestamp="${xml(report.startedAt)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
