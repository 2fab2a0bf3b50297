/**
 * Read-only znode browser (in the spirit of ZooNavigator): children, data, Stat and ephemeral owner
 * of one znode, read through the gateway's own session.
 */
import {
  BadRequestException,
  Controller,
  ForbiddenException,
  Get,
  Inject,
  NotFoundException,
  Query,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  ConnectionLossError,
  NoAuthError,
  NoNodeError,
  OperationTimeoutError,
  ServiceDiscovery,
  SessionExpiredError,
} from '@registrar/coordination';
import { pathProblem, znodeView, type ZnodeView } from './znode-view.js';

@ApiTags('cluster')
@Controller('api/znodes')
export class ZnodeController {
  constructor(@Inject(ServiceDiscovery) private readonly discovery: ServiceDiscovery) {}

  @Get()
  @ApiOperation({ summary: 'One znode: children, data (utf8 or base64), Stat, ephemeral owner' })
  @ApiQuery({ name: 'path', required: false, example: '/registrar/services' })
  @ApiOkResponse({ description: 'ZnodeView' })
  async read(@Query('path') rawPath?: string): Promise<ZnodeView> {
    const path = rawPath === undefined || rawPath === '' ? '/' : rawPath;
    const problem = pathProblem(path);
    if (problem !== null) throw new BadRequestException(problem);
    const zk = this.discovery.client;
    try {
      const [{ data, stat }, children] = await Promise.all([zk.getData(path), zk.getChildren(path)]);
      return znodeView(path, data, stat, children);
    } catch (err) {
      if (err instanceof NoNodeError) throw new NotFoundException(`no znode ${path}`);
      if (err instanceof NoAuthError) throw new ForbiddenException(`the gateway may not read ${path}`);
      if (
        err instanceof ConnectionLossError ||
        err instanceof SessionExpiredError ||
        err instanceof OperationTimeoutError
      ) {
        throw new ServiceUnavailableException(`coordinator unavailable: ${(err as Error).message}`);
      }
      throw err;
    }
  }
}
