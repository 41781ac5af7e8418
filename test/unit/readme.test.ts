import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

// `npm test` builds first; the generator reads the configuration table from dist/.
test.skipIf(!existsSync(join(ROOT, 'dist', 'config.js')))("the README's configuration section matches src/config.ts", () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'tools', 'gen-config-docs.mjs'), '--check'], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});
