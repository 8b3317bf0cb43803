// Creates the read-only gateway ACL user (core/redis-acl.ts) on `artisync up`'s private redis-server.
import { Redis } from 'ioredis';
import { GATEWAY_ACL_USER, gatewayAclRules } from '../core/redis-acl.js';

/** Runs `ACL SETUSER artisync-gateway …` with `password` on the loopback server on `port`. */
export async function createGatewayAclUser(port: number, password: string): Promise<void> {
  const admin = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await admin.connect();
    await admin.call('ACL', 'SETUSER', GATEWAY_ACL_USER, ...gatewayAclRules(password));
  } finally {
    admin.disconnect();
  }
}
