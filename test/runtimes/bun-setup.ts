/**
 * Setup file of the Bun run of the unit suite (test/runtimes/vitest.bun.config.ts). The fake
 * broker's settle() (test/helpers/fake-broker.ts) asks process.getActiveResourcesInfo() whether
 * a setImmediate callback is still pending; Bun 1.x answers [] always, so settle() would stop
 * after three idle-looking rounds with the Sender's passes still queued and the fake-clock tests
 * would move time too early. This counts pending immediates and answers 'Immediate' while there
 * are any: the one part of Node's answer the harness reads. Nothing changes under Node.
 */
const bun = typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined';

if (bun && !process.getActiveResourcesInfo().includes('Immediate')) {
  const pending = new Set<unknown>();
  const set = globalThis.setImmediate;
  const clear = globalThis.clearImmediate;
  const counted = ((fn: (...args: unknown[]) => void, ...args: unknown[]) => {
    const handle = set((...a: unknown[]) => {
      pending.delete(handle);
      fn(...a);
    }, ...args);
    pending.add(handle);
    return handle;
  }) as typeof setImmediate;
  globalThis.setImmediate = Object.assign(counted, set);
  globalThis.clearImmediate = ((handle: NodeJS.Immediate | undefined) => {
    pending.delete(handle);
    clear(handle);
  }) as typeof clearImmediate;
  const original = process.getActiveResourcesInfo.bind(process);
  process.getActiveResourcesInfo = () => (pending.size > 0 ? [...original(), 'Immediate'] : original());
}
