// Finds a free TCP port on loopback for a server `artisync up`, a test or the benchmark starts.
import { createServer } from 'node:net';

/** Asks the kernel for a free loopback port and releases it for the caller to bind. */
export async function findFreeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}
