/**
 * One SessionBinding for this service's own coordinator work (schedule cache, schedule writes,
 * locks): it follows the platform's session and moves to a new one from the factory after expiry,
 * so an instance that was cut off longer than its session timeout comes back on its own.
 */
import type { Provider } from '@nestjs/common';
import { SessionBinding, type ClientFactory, type ZooKeeperClient } from '@registrar/coordination';
import { COORDINATION_CLIENT, COORDINATION_CLIENT_FACTORY } from '@registrar/coordination-nest';

export const COORDINATOR_BINDING = Symbol('COORDINATOR_BINDING');

export const coordinatorBindingProvider: Provider = {
  provide: COORDINATOR_BINDING,
  inject: [COORDINATION_CLIENT, COORDINATION_CLIENT_FACTORY],
  useFactory: (client: ZooKeeperClient, factory: ClientFactory) => {
    const binding = new SessionBinding(client, { clientFactory: factory });
    binding.on('error', () => undefined); // the factory is retried; requests meanwhile answer 503
    return binding;
  },
};
