/**
 * Child process for network-close.test.ts: runs a Producer against a broker the parent set up,
 * closes it in one of several ways, then reports what is still alive. The parent measures how
 * long the process takes to exit after close() resolved. Not a test file.
 *
 * argv: scenario bootstrap
 */
import { Producer } from '../../src/index.js';

const [scenario, bootstrap] = process.argv.slice(2) as [string, string];
const MiB = 1024 * 1024;

function active(): string[] {
  return process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap' && r !== 'FSReqCallback');
}

async function main(): Promise<void> {
  const producer = new Producer({
    'bootstrap.servers': bootstrap,
    'client.id': `close-${scenario}`,
    'linger.ms': 20,
    'batch.size': 9 * MiB,
    'max.request.size': 10 * MiB,
    'request.timeout.ms': 1000,
    'delivery.timeout.ms': 1500,
    'socket.connection.setup.timeout.ms': 1000,
    'socket.connection.setup.timeout.max.ms': 1000,
  });
  const value = new Uint8Array(MiB - 200).fill(97);
  const outcomes: string[] = [];
  const sends: Promise<unknown>[] = [];
  const sendAll = (n: number): void => {
    for (let i = 0; i < n; i++) {
      sends.push(producer.send({ topic: 't', value }).then(() => outcomes.push('ok'), (e: { code?: string }) => outcomes.push(e.code ?? 'error')));
    }
  };
  switch (scenario) {
    case 'stalled-timeout': // close({ timeoutMs }) with 8 MiB stuck behind a peer that stopped reading
      sendAll(8);
      await new Promise((r) => setTimeout(r, 600));
      await producer.close({ timeoutMs: 300 });
      break;
    case 'stalled-graceful': // close() waits out delivery.timeout.ms, then must leave nothing behind
      sendAll(8);
      await new Promise((r) => setTimeout(r, 300));
      await producer.close();
      break;
    case 'stalled-immediate': // close({ timeoutMs: 0 }) right after the sends
      sendAll(8);
      await new Promise((r) => setTimeout(r, 300));
      await producer.close({ timeoutMs: 0 });
      break;
    case 'idle': // everything acknowledged, the connection idle: the soft close
      sendAll(1);
      await Promise.all(sends);
      await producer.close();
      break;
    case 'connecting': // the broker never answers the handshake
      sendAll(1);
      await new Promise((r) => setTimeout(r, 200));
      await producer.close({ timeoutMs: 100 });
      break;
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
  const closedAt = Date.now();
  await Promise.allSettled(sends);
  // Handles being closed are listed until their close callbacks ran (a loop turn or two).
  const soon = active();
  await new Promise((r) => setTimeout(r, 50));
  process.stdout.write(`${JSON.stringify({ closedAt, active: active(), soon, outcomes })}\n`);
}

main().catch((e) => {
  process.stdout.write(`${JSON.stringify({ error: String((e as Error)?.stack ?? e) })}\n`);
  process.exitCode = 1;
});
