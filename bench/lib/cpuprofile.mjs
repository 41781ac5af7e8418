// Self time per function from a V8 .cpuprofile (what `node --cpu-prof` writes).
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';

/**
 * Returns { totalMs, idleMs, top: [{ name, location, selfMs, pct }] }: self time aggregated by
 * function (name + script + line), idle time left out of the percentages.
 */
export function summarizeCpuProfile(file, { top = 15, root } = {}) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = (prof.timeDeltas[i] ?? 0) / 1000;
    const n = byId.get(prof.samples[i]);
    if (!n) continue;
    const cf = n.callFrame;
    if (cf.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    total += dt;
    const key = `${cf.functionName}|${cf.url}|${cf.lineNumber}|${cf.columnNumber}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const rows = [...self.entries()]
    .map(([key, ms]) => {
      const [name, url, line, col] = key.split('|');
      return { name: name || '(anonymous)', location: shortLocation(url, Number(line), Number(col), root), selfMs: ms, pct: (100 * ms) / total };
    })
    .sort((a, b) => b.selfMs - a.selfMs);
  return { totalMs: total, idleMs: idle, top: rows.slice(0, top) };
}

const maps = new Map();

/** The TypeScript source position of a dist/ position, through the emitted .js.map. */
function original(file, line, col) {
  if (!maps.has(file)) {
    let sm = null;
    try {
      sm = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')));
    } catch {}
    maps.set(file, sm);
  }
  const sm = maps.get(file);
  if (!sm) return null;
  const e = sm.findEntry(line, col);
  if (!e || e.originalSource === undefined) return null;
  const src = path.resolve(path.dirname(file), e.originalSource.replace(/^file:\/\//, ''));
  return { file: src, line: e.originalLine };
}

function shortLocation(url, line, col, root) {
  if (!url) return '(native / VM)';
  let p = url.replace(/^file:\/\//, '');
  let l = line;
  const o = p.includes('/dist/') ? original(p, line, col) : null;
  if (o) {
    p = o.file;
    l = o.line;
  }
  if (root && p.startsWith(root)) p = path.relative(root, p);
  return `${p}:${l + 1}`;
}
