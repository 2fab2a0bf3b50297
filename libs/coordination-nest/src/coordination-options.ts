/**
 * Options of CoordinationModule, and how they are read from @nestjs/config.
 */
import type { AuthInfo, ClientOptions } from '@registrar/coordination';
import { BadArgumentsError } from '@registrar/coordination';

export interface CoordinationModuleOptions {
  /** `host:port[,host:port...]`, optionally followed by `/chroot`. */
  connectString: string;
  /** Chroot appended to the connect string (e.g. '/registrar'); must not be set twice. */
  chroot?: string;
  /** Requested session timeout, ms (the server clamps it). */
  sessionTimeout?: number;
  /** Credentials sent on every connection (e.g. `{ scheme: 'digest', auth: 'user:pass' }`). */
  auth?: AuthInfo[];
  /** Bound on the first connect at boot, ms. */
  initialConnectTimeout?: number;
  /** Base path of the service registry (default '/services'). */
  servicesPath?: string;
}

/** Minimal view of @nestjs/config's ConfigService (so tests can pass a plain object). */
export interface ConfigReader {
  get<T = string>(key: string): T | undefined;
}

/** Environment keys read by {@link coordinationOptionsFromConfig}. */
export const COORDINATION_ENV = {
  connectString: 'COORDINATION_CONNECT_STRING',
  chroot: 'COORDINATION_CHROOT',
  sessionTimeout: 'COORDINATION_SESSION_TIMEOUT_MS',
  auth: 'COORDINATION_AUTH',
  servicesPath: 'COORDINATION_SERVICES_PATH',
} as const;

/**
 * Reads the options from configuration: COORDINATION_CONNECT_STRING (required),
 * COORDINATION_CHROOT, COORDINATION_SESSION_TIMEOUT_MS, COORDINATION_AUTH
 * (`scheme:credentials`, several separated by `,`, e.g. `digest:app:secret`) and
 * COORDINATION_SERVICES_PATH.
 * @throws BadArgumentsError naming the bad key.
 * @example
 *   CoordinationModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService],
 *     useFactory: (config: ConfigService) => coordinationOptionsFromConfig(config) })
 */
export function coordinationOptionsFromConfig(config: ConfigReader): CoordinationModuleOptions {
  const str = (key: string): string | undefined => {
    const v = config.get<unknown>(key);
    if (v === undefined || v === null || v === '') return undefined;
    return String(v);
  };
  const bad = (key: string, why: string) => new BadArgumentsError(undefined, { detail: `${key}: ${why}` });
  const connectString = str(COORDINATION_ENV.connectString);
  if (connectString === undefined) throw bad(COORDINATION_ENV.connectString, 'is required');
  const opts: CoordinationModuleOptions = { connectString };
  const chroot = str(COORDINATION_ENV.chroot);
  if (chroot !== undefined) {
    if (!chroot.startsWith('/') || chroot.endsWith('/'))
      throw bad(COORDINATION_ENV.chroot, 'must look like /name');
    opts.chroot = chroot;
  }
  const timeout = str(COORDINATION_ENV.sessionTimeout);
  if (timeout !== undefined) {
    const n = Number(timeout);
    if (!Number.isInteger(n) || n <= 0)
      throw bad(COORDINATION_ENV.sessionTimeout, 'must be a positive integer');
    opts.sessionTimeout = n;
  }
  const auth = str(COORDINATION_ENV.auth);
  if (auth !== undefined) {
    opts.auth = auth.split(',').map((entry) => {
      const i = entry.indexOf(':');
      if (i <= 0 || i === entry.length - 1)
        throw bad(COORDINATION_ENV.auth, 'entries look like scheme:credentials');
      return { scheme: entry.slice(0, i), auth: entry.slice(i + 1) };
    });
  }
  const servicesPath = str(COORDINATION_ENV.servicesPath);
  if (servicesPath !== undefined) opts.servicesPath = servicesPath;
  return opts;
}

/** The connect string with the chroot applied. @throws BadArgumentsError when both carry a chroot. */
export function effectiveConnectString(opts: CoordinationModuleOptions): string {
  if (opts.chroot === undefined) return opts.connectString;
  if (opts.connectString.includes('/')) {
    throw new BadArgumentsError(undefined, {
      detail: 'chroot given twice (connect string and chroot option)',
    });
  }
  return opts.connectString + opts.chroot;
}

/** Client options derived from the module options. */
export function clientOptionsOf(opts: CoordinationModuleOptions): ClientOptions {
  const out: ClientOptions = {};
  if (opts.sessionTimeout !== undefined) out.sessionTimeout = opts.sessionTimeout;
  if (opts.auth !== undefined) out.authInfo = opts.auth;
  if (opts.initialConnectTimeout !== undefined) out.initialConnectTimeout = opts.initialConnectTimeout;
  return out;
}
