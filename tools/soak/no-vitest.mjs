// Stands in for 'vitest' when the soak (tools/soak/main.ts) imports the test helpers outside a
// vitest run: test/helpers/kafka.ts calls inject() inside a try and falls back to environment
// variables when it throws, which is what happens here.
export function inject(key) {
  throw new Error(`not inside vitest (inject('${key}'))`);
}
