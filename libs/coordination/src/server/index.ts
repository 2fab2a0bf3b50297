/**
 * `@registrar/coordination/server`: one ensemble member (the coordinator app binds it to ports
 * and disk). Services never import this: they reach a member through the wire protocol.
 */
export * from './coordinator-server.js';
export * from './member-config.js';
