/**
 * A readable reason for a socket or lookup failure. Node 20's happy-eyeballs connect
 * (autoSelectFamily) fails with an AggregateError whose message is EMPTY; its inner errors say
 * what happened per address (`connect ECONNREFUSED 127.0.0.1:9092`). Nothing the network layer
 * reports may end in an empty reason.
 */
export function describeError(error: unknown): string {
  if (error === null || error === undefined) return 'unknown error';
  if (typeof error !== 'object') return String(error);
  const e = error as { message?: unknown; code?: unknown; errors?: unknown; name?: unknown };
  const inner = Array.isArray(e.errors) ? e.errors.map(describeError).filter((m) => m !== '') : [];
  const message = typeof e.message === 'string' ? e.message.trim() : '';
  const code = typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : '';
  if (inner.length > 0) {
    const joined = [...new Set(inner)].join('; ');
    return message !== '' ? `${message} (${joined})` : joined;
  }
  if (message !== '') return code !== '' && !message.includes(code) ? `${message} (${code})` : message;
  if (code !== '') return code;
  return typeof e.name === 'string' && e.name !== '' ? e.name : 'unknown error';
}
