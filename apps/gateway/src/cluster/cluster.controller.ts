/** The cluster as the dashboard and operators see it. */
import type { Response } from 'express';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { openEventStream } from '../common/event-stream.js';
import { ClusterMonitor } from './cluster-monitor.service.js';
import type { ClusterSnapshot } from './cluster-snapshot.js';

@ApiTags('cluster')
@Controller('api/cluster')
export class ClusterController {
  constructor(@Inject(ClusterMonitor) private readonly monitor: ClusterMonitor) {}

  @Get()
  @ApiOperation({ summary: 'Coordinator members (from srvr) and registered service instances' })
  @ApiOkResponse({ description: '{members, leader, services, gateway}' })
  snapshot(): Promise<ClusterSnapshot> {
    return this.monitor.current();
  }

  @Get('events')
  @ApiOperation({ summary: 'Server-Sent Events: a cluster snapshot every second and on registry changes' })
  @ApiProduces('text/event-stream')
  events(@Res() res: Response): void {
    let unsubscribe: () => void = () => {};
    const stream = openEventStream(res, () => unsubscribe());
    unsubscribe = this.monitor.subscribe((s) => stream.send('cluster', s));
    void this.monitor.current().then((s) => stream.send('cluster', s));
  }
}
