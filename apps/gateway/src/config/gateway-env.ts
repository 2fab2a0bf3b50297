/**
 * The gateway's environment, validated once at boot (a bad value stops the process with the key
 * named, instead of surfacing later as a confusing runtime error). Names follow the platform's
 * conventions (COORDINATION_*, REGISTRAR_ZK_ROOT, HOST, HTTP_PORT); GATEWAY_* keys are the gateway's own.
 */
import { plainToInstance, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';

export class GatewayEnv {
  /** `host:port,...` of the coordinator members (our ensemble or Apache ZooKeeper). */
  @IsString()
  @IsNotEmpty()
  COORDINATION_CONNECT_STRING!: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  COORDINATION_SESSION_TIMEOUT_MS?: number;

  /** Root znode of the platform (no chroot: paths are absolute under it). */
  @IsOptional()
  @Matches(/^(\/[^/\s]+)+$/, { message: 'REGISTRAR_ZK_ROOT must look like /name' })
  REGISTRAR_ZK_ROOT: string = '/registrar';

  @IsOptional()
  @IsString()
  HOST: string = '127.0.0.1';

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  HTTP_PORT: number = 3000;

  /**
   * Requests per minute per client address. High on purpose: a lecture hall behind one NAT address
   * logs in and polls together; the services throttle failed logins themselves.
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  GATEWAY_RATE_LIMIT_PER_MINUTE: number = 60_000;

  /** Folder of the built dashboard (default: dist/web next to the built gateway). */
  @IsOptional()
  @IsString()
  GATEWAY_WEB_ROOT?: string;

  /** Cluster snapshot period for /api/cluster and its SSE stream, ms. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  GATEWAY_CLUSTER_POLL_MS: number = 1000;

  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT: 'json' | 'pretty' = 'json';
}

/** @nestjs/config `validate` hook: returns the typed env or throws naming every bad key. */
export function validateGatewayEnv(raw: Record<string, unknown>): GatewayEnv {
  const env = plainToInstance(GatewayEnv, raw, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    const detail = errors.map((e) => Object.values(e.constraints ?? {}).join('; ')).join('\n  ');
    throw new Error(`invalid gateway configuration:\n  ${detail}`);
  }
  return env;
}
