// vite-node config for the soak: the test helpers it reuses import 'vitest' (for inject());
// outside vitest that module refuses to load, so it is replaced by a stub.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export default {
  resolve: { alias: [{ find: /^vitest$/, replacement: path.join(here, 'no-vitest.mjs') }] },
  logLevel: 'warn',
};
