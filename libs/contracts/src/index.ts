/**
 * `@registrar/contracts`: what the services say to each other and where they meet in the
 * coordinator. Names and shapes only, no logic: both sides of a call import the same constants.
 */
export * from './service-names.js';
export * from './rpc-patterns.js';
export * from './rpc-payloads.js';
export type * from './cluster-snapshot.js';
