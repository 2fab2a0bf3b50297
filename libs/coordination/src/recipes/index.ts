/**
 * Coordination recipes on our client: locks with fencing tokens, read-write lock, semaphore,
 * leader latch, barriers, queue, counter; config and tree caches; service registry and discovery.
 */
export * from './barrier.js';
export * from './double-barrier.js';
export * from './distributed-queue.js';
export * from './errors.js';
export * from './leader-latch.js';
export * from './lock.js';
export * from './lock-order.js';
export * from './read-write-lock.js';
export * from './semaphore.js';
export * from './shared-counter.js';
export { ensurePath, type WaitOptions } from './zk-ops.js';
export * from './session-binding.js';
export * from './config-cache.js';
export * from './config-cache-errors.js';
export * from './tree-cache.js';
export * from './service-instance.js';
export * from './service-registry.js';
export * from './service-discovery.js';
export * from './provider-strategy.js';
