/**
 * A service instance in its own process, for kill -9 tests: registers
 * `<name>/<id>` on port `<port>` with the given session timeout, then idles until killed.
 * Usage: node --import tsx discovery-instance.ts <connectString> <name> <id> <port> <sessionTimeoutMs>
 */
import { ZooKeeperClient } from '../../../libs/coordination/src/client/index.js';
import { serviceInstance } from '../../../libs/coordination/src/recipes/service-instance.js';
import { ServiceRegistry } from '../../../libs/coordination/src/recipes/service-registry.js';

const [connectString, name, id, port, timeout] = process.argv.slice(2);
const client = await ZooKeeperClient.connect(connectString!, { sessionTimeout: Number(timeout) });
const registry = new ServiceRegistry({ client });
await registry.register(serviceInstance({ name: name!, id: id!, address: '127.0.0.1', port: Number(port) }));
console.log(
  `registered ${name}/${id} session 0x${client.sessionId.toString(16)} timeout ${client.sessionTimeout}`,
);
setInterval(() => undefined, 1 << 30);
