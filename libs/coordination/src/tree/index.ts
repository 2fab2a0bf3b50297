/** Public API of the data tree layer. */
export * from './acl.js';
export * from './data-tree.js';
export * from './node-kind.js';
export * from './path.js';
export * from './request-preparer.js';
export * from './txn-codec.js';
export type * from './txn.js';
export * from './watch-manager.js';
