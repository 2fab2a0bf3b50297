/**
 * Asks course-enrollment whether a student is actively enrolled, over @nestjs/microservices TCP,
 * through the discovery-backed proxy: it resolves `course-enrollment` in the registry, and moves to
 * another instance when the one it called dies (the question is a read, so a retry is harmless).
 */
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { ServiceDiscovery } from '@registrar/coordination';
import { DiscoveryClientProxy, NoInstanceError } from '@registrar/coordination-nest';
import {
  EnrollmentPatterns,
  ServiceName,
  type IsEnrolledReply,
  type IsEnrolledRequest,
} from '@registrar/contracts';
import { rpcEndpointOf, ServiceUnavailableError } from '@registrar/platform';
import { firstValueFrom, timeout } from 'rxjs';

const CALL_TIMEOUT_MS = 5_000;

@Injectable()
export class EnrollmentClient implements OnApplicationShutdown {
  private readonly proxy: DiscoveryClientProxy;

  constructor(@Inject(ServiceDiscovery) discovery: ServiceDiscovery) {
    this.proxy = new DiscoveryClientProxy({
      service: ServiceName.courseEnrollment,
      discovery,
      clientFor: (inst) =>
        ClientProxyFactory.create({ transport: Transport.TCP, options: rpcEndpointOf(inst) }),
    });
  }

  /** How many calls moved to another instance (metrics and tests). */
  get retries(): number {
    return this.proxy.retries;
  }

  async isEnrolled(req: IsEnrolledRequest): Promise<IsEnrolledReply> {
    try {
      return await firstValueFrom(
        this.proxy
          .send<IsEnrolledReply, IsEnrolledRequest>(EnrollmentPatterns.isEnrolled, req)
          .pipe(timeout(CALL_TIMEOUT_MS)),
      );
    } catch (err) {
      if (err instanceof NoInstanceError)
        throw new ServiceUnavailableError('course-enrollment is unavailable; try again', 2);
      if (err instanceof Error) {
        throw new ServiceUnavailableError(`course-enrollment did not answer (${err.message}); try again`, 1);
      }
      throw err;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.proxy.close();
  }
}
