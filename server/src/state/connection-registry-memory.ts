// The connection registry of a single process (embedded mode): a set of connection ids per user.
// Nothing can crash without taking the registry with it, so entries need no heartbeat.
import type { ConnectionRegistry, ConnectionRegistryOptions } from './connection-registry';

export function createMemoryConnectionRegistry({ limit }: ConnectionRegistryOptions): ConnectionRegistry {
  const byUser = new Map<string, Set<string>>();
  return {
    async register(userId, connectionId) {
      const connections = byUser.get(userId) ?? new Set<string>();
      if (!connections.has(connectionId) && connections.size >= limit) {
        return { allowed: false, count: connections.size };
      }
      connections.add(connectionId);
      byUser.set(userId, connections);
      return { allowed: true, count: connections.size };
    },
    async unregister(userId, connectionId) {
      const connections = byUser.get(userId);
      if (!connections) return;
      connections.delete(connectionId);
      if (connections.size === 0) byUser.delete(userId);
    },
    async count(userId) {
      return byUser.get(userId)?.size ?? 0;
    },
    async close() {
      byUser.clear();
    },
  };
}
