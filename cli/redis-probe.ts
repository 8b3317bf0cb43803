// Asks a loopback redis-server (or sentinel) whether it answers PING yet: how `artisync up`, tests and the bench wait.

/** True once the server on `port` answers PING; false (never throws) while it is not listening yet. */
export async function redisAnswers(port: number): Promise<boolean> {
  // Loaded on use: this module is reachable from every command through `up`, and ioredis is ~16 MB of RSS.
  const { Redis } = await import('ioredis');
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // A refused connection is the expected answer until redis-server listens; connect() reports it.
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
