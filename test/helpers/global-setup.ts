// Placeholder replaced by the live-brokers work: starts what the suites need once per run.
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}
