/**
 * Prints what the scenarios of docs/INTERNALS.md do on the wire, or rewrites the doc's
 * generated blocks from them.
 *
 *   npx vite-node tools/docs/trace-scenarios.ts              # every block, to stdout
 *   npx vite-node tools/docs/trace-scenarios.ts five-in-flight   # one scenario's blocks
 *   npx vite-node tools/docs/trace-scenarios.ts --write      # refresh docs/INTERNALS.md
 *
 * (vite-node, shipped with vitest, runs the TypeScript sources and the test helpers directly.)
 * test/unit/internals-doc.test.ts fails when the doc and this output differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyBlocks, blocksIn, renderBlock, REQUIRED_BLOCKS } from './blocks.js';

const DOC = join(import.meta.dirname, '..', '..', 'docs', 'INTERNALS.md');

async function main(args: string[]): Promise<void> {
  if (args.includes('--write')) {
    const before = readFileSync(DOC, 'utf8');
    const after = await applyBlocks(before);
    const missing = REQUIRED_BLOCKS.filter((id) => !blocksIn(after).some((b) => b.id === id));
    if (after !== before) writeFileSync(DOC, after);
    process.stdout.write(`${after === before ? 'unchanged' : 'updated'}: docs/INTERNALS.md${missing.length ? ` (missing blocks: ${missing.join(', ')})` : ''}\n`);
    return;
  }
  const only = args.find((a) => !a.startsWith('--'));
  const ids = only === undefined ? REQUIRED_BLOCKS : REQUIRED_BLOCKS.filter((id) => id.startsWith(`${only}/`));
  for (const id of ids) process.stdout.write(`<!-- generated: ${id} -->\n${await renderBlock(id)}\n<!-- /generated -->\n\n`);
}

await main(process.argv.slice(2));
// The scenarios' producers keep fake-clock timers only; nothing real is left, but say so plainly.
process.exit(0);
