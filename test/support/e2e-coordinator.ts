/**
 * The coordinator an e2e suite runs its services on: our ensemble by default, Apache ZooKeeper 3.8
 * with `E2E_COORDINATOR=apache` — the services are the same code either way, only the connect
 * string differs (that is the claim these runs check).
 */
import { startApacheZooKeeper } from './apache-zookeeper.js';
import type { Ensemble } from './ensemble.js';
import { startRegistrar } from './registrar-member.js';

export type CoordinatorKind = 'registrar' | 'apache';

export function e2eCoordinatorKind(
  env: string | undefined = process.env['E2E_COORDINATOR'],
): CoordinatorKind {
  if (env === undefined || env === '' || env === 'registrar') return 'registrar';
  if (env === 'apache') return 'apache';
  throw new Error(`E2E_COORDINATOR must be registrar or apache, not ${env}`);
}

/** Starts `members` (default 3) members of the selected coordinator on loopback. */
export function startE2eCoordinator(members = 3): Promise<Ensemble> {
  return e2eCoordinatorKind() === 'apache'
    ? startApacheZooKeeper({ members })
    : startRegistrar({ members, registrarFrom: 'dist' });
}
