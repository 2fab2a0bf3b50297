/**
 * Service instances in Curator x-discovery's JSON layout (ServiceInstance + JsonInstanceSerializer
 * in compatible mode), so Java services using Curator or Spring Cloud Zookeeper and ours discover
 * each other. Field names and order follow what Curator writes; `enabled` is only written when
 * false, since compatible-mode readers ignore it and Curator omits it by default (CURATOR-275).
 */
import { randomUUID } from 'node:crypto';
import { BadArgumentsError } from '../protocol/errors.js';

/** How the registry stores the instance (Curator's ServiceType). */
export type ServiceType = 'DYNAMIC' | 'DYNAMIC_SEQUENTIAL' | 'STATIC' | 'PERMANENT';

/** One part of a URI template: a literal or a variable such as `address`. */
export interface UriSpecPart {
  value: string;
  variable: boolean;
}

/** Curator's UriSpec: `{scheme}://{address}:{port}` as parts. */
export interface UriSpec {
  parts: UriSpecPart[];
}

/** A registered service instance, exactly the fields Curator serializes. */
export interface ServiceInstance<P = unknown> {
  name: string;
  id: string;
  address: string;
  port: number | null;
  sslPort: number | null;
  payload: P | null;
  registrationTimeUTC: number;
  serviceType: ServiceType;
  uriSpec: UriSpec | null;
  /** Absent means enabled. Pickers skip instances with `enabled: false`. */
  enabled?: boolean;
}

/** What a caller must say to build an instance; the rest has defaults. */
export interface ServiceInstanceInit<P = unknown> {
  name: string;
  address: string;
  port?: number | null;
  sslPort?: number | null;
  /** Default: a random UUID (Curator's default). */
  id?: string;
  payload?: P | null;
  serviceType?: ServiceType;
  uriSpec?: UriSpec | string | null;
  enabled?: boolean;
  /** Default: now. */
  registrationTimeUTC?: number;
}

const TYPES: ReadonlySet<string> = new Set(['DYNAMIC', 'DYNAMIC_SEQUENTIAL', 'STATIC', 'PERMANENT']);

/**
 * Builds an instance with Curator's defaults (UUID id, DYNAMIC, registered now).
 * @example serviceInstance({ name: 'course-enrollment', address: '127.0.0.1', port: 4101 })
 */
export function serviceInstance<P = unknown>(init: ServiceInstanceInit<P>): ServiceInstance<P> {
  const inst: ServiceInstance<P> = {
    name: init.name,
    id: init.id ?? randomUUID(),
    address: init.address,
    port: init.port ?? null,
    sslPort: init.sslPort ?? null,
    payload: init.payload ?? null,
    registrationTimeUTC: init.registrationTimeUTC ?? Date.now(),
    serviceType: init.serviceType ?? 'DYNAMIC',
    uriSpec: typeof init.uriSpec === 'string' ? parseUriSpec(init.uriSpec) : (init.uriSpec ?? null),
  };
  if (init.enabled === false) inst.enabled = false;
  checkInstance(inst);
  return inst;
}

/** Throws BadArgumentsError unless the instance is well-formed. */
export function checkInstance(inst: ServiceInstance<unknown>): void {
  const bad = (why: string) => new BadArgumentsError(undefined, { detail: `service instance: ${why}` });
  if (typeof inst.name !== 'string' || inst.name === '' || inst.name.includes('/'))
    throw bad('name must be a non-empty string without "/"');
  if (typeof inst.id !== 'string' || inst.id === '' || inst.id.includes('/'))
    throw bad('id must be a non-empty string without "/"');
  if (typeof inst.address !== 'string') throw bad('address must be a string');
  if (inst.port === null && inst.sslPort === null) throw bad('port or sslPort is required');
  for (const p of [inst.port, inst.sslPort]) {
    if (p !== null && (!Number.isInteger(p) || p < 0 || p > 65535)) throw bad(`bad port ${String(p)}`);
  }
  if (!TYPES.has(inst.serviceType)) throw bad(`unknown serviceType ${String(inst.serviceType)}`);
}

/** The JSON Curator writes (field order as Curator's Jackson mapping). */
export function serializeInstance(inst: ServiceInstance<unknown>): Buffer {
  const out: Record<string, unknown> = {
    name: inst.name,
    id: inst.id,
    address: inst.address,
    port: inst.port,
    sslPort: inst.sslPort,
    payload: inst.payload,
    registrationTimeUTC: inst.registrationTimeUTC,
    serviceType: inst.serviceType,
    uriSpec: inst.uriSpec,
  };
  if (inst.enabled === false) out['enabled'] = false;
  return Buffer.from(JSON.stringify(out), 'utf8');
}

/**
 * Parses an instance written by us, Curator or Spring Cloud Zookeeper. Unknown fields are ignored
 * (Curator's own reader does the same), missing optional ones get their defaults.
 * @throws BadArgumentsError when the JSON is not an instance.
 */
export function parseInstance<P = unknown>(data: Buffer | string): ServiceInstance<P> {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch (err) {
    throw new BadArgumentsError(undefined, { detail: 'service instance: not JSON', cause: err });
  }
  if (typeof raw !== 'object' || raw === null) {
    throw new BadArgumentsError(undefined, { detail: 'service instance: not a JSON object' });
  }
  const r = raw as Record<string, unknown>;
  const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  const inst: ServiceInstance<P> = {
    name: r['name'] as string,
    id: r['id'] as string,
    address: r['address'] as string,
    port: num(r['port']),
    sslPort: num(r['sslPort']),
    payload: (r['payload'] ?? null) as P | null,
    registrationTimeUTC: typeof r['registrationTimeUTC'] === 'number' ? r['registrationTimeUTC'] : 0,
    serviceType: (r['serviceType'] ?? 'DYNAMIC') as ServiceType,
    uriSpec: isUriSpec(r['uriSpec']) ? r['uriSpec'] : null,
  };
  if (r['enabled'] === false) inst.enabled = false;
  checkInstance(inst);
  return inst;
}

/** True unless the instance was explicitly disabled. */
export function isEnabled(inst: ServiceInstance<unknown>): boolean {
  return inst.enabled !== false;
}

/**
 * Parses a template such as `{scheme}://{address}:{port}` into Curator's parts.
 * @example parseUriSpec('{scheme}://{address}:{port}').parts.length // 5
 */
export function parseUriSpec(template: string): UriSpec {
  const parts: UriSpecPart[] = [];
  const re = /\{([^}]+)\}/g;
  let last = 0;
  for (let m = re.exec(template); m !== null; m = re.exec(template)) {
    if (m.index > last) parts.push({ value: template.slice(last, m.index), variable: false });
    parts.push({ value: m[1]!, variable: true });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push({ value: template.slice(last), variable: false });
  return { parts };
}

/**
 * Fills the instance's uriSpec as Curator's UriSpec.build does: `scheme` is https when sslPort is
 * set, else http. Unknown variables come from `extra`, else stay empty.
 * @example buildUri(inst) // 'http://127.0.0.1:4101'
 */
export function buildUri(inst: ServiceInstance<unknown>, extra: Record<string, string> = {}): string {
  const spec = inst.uriSpec ?? parseUriSpec('{scheme}://{address}:{port}');
  const vars: Record<string, string> = {
    scheme: inst.sslPort !== null ? 'https' : 'http',
    name: inst.name,
    id: inst.id,
    address: inst.address,
    port: inst.port === null ? '' : String(inst.port),
    'ssl-port': inst.sslPort === null ? '' : String(inst.sslPort),
    'registration-time-utc': String(inst.registrationTimeUTC),
    'service-type': inst.serviceType,
    ...extra,
  };
  return spec.parts.map((p) => (p.variable ? (vars[p.value] ?? '') : p.value)).join('');
}

function isUriSpec(v: unknown): v is UriSpec {
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray((v as UriSpec).parts) &&
    (v as UriSpec).parts.every((p) => typeof p?.value === 'string' && typeof p?.variable === 'boolean')
  );
}
