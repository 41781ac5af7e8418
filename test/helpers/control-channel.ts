// The control channel of the test brokers kafka-wire runs beside Kafka (librdkafka's mock,
// tools/mock/mock-cluster.c; franz-go's kfake, tools/kfake/main.go): one TCP connection, one
// command line out, one reply line back ("OK [value]" or "ERR message"), answered in order.
// MockClusterControl and KfakeControl add their command sets on top.

import net from 'node:net';

type Pending = { resolve: (v: string) => void; reject: (e: Error) => void; line: string };

export class LineControl {
  private readonly pending: Pending[] = [];
  private buf = '';
  private closedError: Error | null = null;

  protected constructor(
    protected readonly socket: net.Socket,
    /** Names the broker in errors ("mock cluster", "kfake"). */
    private readonly what: string,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buf += chunk;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const reply = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        const p = this.pending.shift();
        if (!p) continue;
        if (reply === 'OK' || reply.startsWith('OK ')) p.resolve(reply.slice(3));
        else p.reject(new Error(`${this.what}: ${p.line} -> ${reply}`));
      }
    });
    const fail = (e: Error) => {
      this.closedError = e;
      for (const p of this.pending.splice(0)) p.reject(e);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error(`${this.what} control connection closed`)));
  }

  /** Connects a TCP socket for a subclass's constructor. */
  protected static open<T>(port: number, host: string, make: (s: net.Socket) => T): Promise<T> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port }, () => {
        s.off('error', reject);
        resolve(make(s));
      });
      s.once('error', reject);
    });
  }

  /** Send one raw command line; resolves the text after "OK" (often empty). */
  command(...words: (string | number)[]): Promise<string> {
    const line = words.join(' ');
    if (/[\r\n]/.test(line)) return Promise.reject(new Error('a command must be one line'));
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject, line });
      this.socket.write(line + '\n');
    });
  }

  async ping(): Promise<void> {
    await this.command('PING');
  }

  bootstrap(): Promise<string> {
    return this.command('BOOTSTRAP');
  }

  // Commands both brokers implement with the same meaning (their notes say when the errors apply).

  async createTopic(topic: string, partitions: number, replicationFactor = 1): Promise<void> {
    await this.command('CREATE_TOPIC', topic, partitions, replicationFactor);
  }

  /** The next requests of apiKey (to any broker) fail with these errors, in order. */
  async pushRequestErrors(apiKey: number, ...errors: number[]): Promise<void> {
    await this.command('PUSH_ERRORS', apiKey, ...errors);
  }

  /** The next `count` requests of apiKey fail with `error`. */
  async failRequests(apiKey: number, count: number, error: number): Promise<void> {
    await this.command('FAIL', apiKey, count, error);
  }

  /** Drops what is queued for apiKey. */
  async clearRequestErrors(apiKey: number): Promise<void> {
    await this.command('CLEAR_ERRORS', apiKey);
  }
}
