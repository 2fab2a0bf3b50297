/** Public surface of the ZooKeeper client. */
export * from './acl.js';
export * from './client-types.js';
export * from './connect-string.js';
export * from './host-provider.js';
export * from './transaction.js';
export * from './watch-registry.js';
export * from './zookeeper-client.js';
