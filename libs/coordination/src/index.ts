/**
 * `@registrar/coordination`: the public face of the coordination library for services and tools.
 * The client (ZooKeeper wire protocol, multi-host connect string, session resume), the recipes
 * (locks with fencing tokens, leader latch, config and tree caches, service registry and
 * discovery, ...), and the protocol's constants, records and typed errors.
 *
 * Services import only this entry (and `@registrar/coordination-nest`), never a file under
 * `src/`, so they run unchanged against an Apache ZooKeeper ensemble.
 *
 * @example
 *   import { ZooKeeperClient, Lock } from '@registrar/coordination';
 *   const zk = await ZooKeeperClient.connect('127.0.0.1:2181,127.0.0.1:2182/registrar');
 *   const lock = new Lock(zk, '/locks/courses/42');
 *   const { fencingToken } = await lock.acquire({ timeoutMs: 5_000 });
 */
export * from './client/index.js';
export * from './recipes/index.js';
export * from './protocol/constants.js';
export * from './protocol/errors.js';
export * from './backoff.js';
export type * from './protocol/records.js';
