/** Injection tokens of the coordination module. */

/** The connected ZooKeeperClient (the module's session). */
export const COORDINATION_CLIENT = Symbol('COORDINATION_CLIENT');

/**
 * A `ClientFactory` (() => Promise<ZooKeeperClient>) making new sessions with the module's
 * options; recipes take it to move on after their session expires.
 */
export const COORDINATION_CLIENT_FACTORY = Symbol('COORDINATION_CLIENT_FACTORY');
