/** Nest integration of the coordination library. */
export * from './coordination.constants.js';
export * from './coordination-options.js';
export * from './coordination.module-definition.js';
export * from './coordination.module.js';
export * from './coordination.health.js';
export * from './discovery-client-proxy.js';
export * from './no-instance.error.js';
