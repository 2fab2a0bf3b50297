import { describe, expect, it } from 'vitest';
import { BadArgumentsError } from '../protocol/errors.js';
import {
  buildUri,
  parseInstance,
  parseUriSpec,
  serializeInstance,
  serviceInstance,
} from './service-instance.js';

// As stored by Spring Cloud Zookeeper (Curator x-discovery, compatible mode).
const SPRING = `{"name":"waiter-service","id":"53565860-2cdd-493f-ac9d-f7d4a546cbf6","address":"10.20.14.30","port":52930,
 "sslPort":null,"payload":{"@class":"org.springframework.cloud.zookeeper.discovery.ZookeeperInstance",
 "id":"waiter-service-1","name":"waiter-service","metadata":{}},"registrationTimeUTC":1628750040704,
 "serviceType":"DYNAMIC","uriSpec":{"parts":[{"value":"scheme","variable":true},{"value":"://","variable":false},
 {"value":"address","variable":true},{"value":":","variable":false},{"value":"port","variable":true}]}}`;

describe('service instance JSON (Curator layout)', () => {
  it('parses what Spring Cloud Zookeeper writes and builds its URI', () => {
    const i = parseInstance<{ '@class': string; id: string }>(SPRING);
    expect(i).toMatchObject({
      name: 'waiter-service',
      id: '53565860-2cdd-493f-ac9d-f7d4a546cbf6',
      address: '10.20.14.30',
      port: 52930,
      sslPort: null,
      registrationTimeUTC: 1628750040704,
      serviceType: 'DYNAMIC',
    });
    expect(i.payload?.['@class']).toBe('org.springframework.cloud.zookeeper.discovery.ZookeeperInstance');
    expect(i.enabled).toBeUndefined();
    expect(buildUri(i)).toBe('http://10.20.14.30:52930');
  });

  it('serializes Curator’s fields in Curator’s order, omitting enabled unless false, and round-trips', () => {
    const i = serviceInstance({
      name: 'svc',
      id: 'x1',
      address: '127.0.0.1',
      port: 80,
      registrationTimeUTC: 5,
      uriSpec: '{scheme}://{address}:{port}',
    });
    const json = JSON.parse(serializeInstance(i).toString());
    expect(Object.keys(json)).toEqual([
      'name',
      'id',
      'address',
      'port',
      'sslPort',
      'payload',
      'registrationTimeUTC',
      'serviceType',
      'uriSpec',
    ]);
    expect(json.uriSpec).toEqual(JSON.parse(SPRING.replace(/\n/g, '')).uriSpec);
    expect(parseInstance(serializeInstance(i))).toEqual(i);
    const off = serviceInstance({ name: 'svc', address: 'h', port: 1, enabled: false });
    expect(JSON.parse(serializeInstance(off).toString()).enabled).toBe(false);
    expect(parseInstance(serializeInstance(off)).enabled).toBe(false);
  });

  it('defaults: random UUID id, DYNAMIC, registered now; https scheme when sslPort is set', () => {
    const a = serviceInstance({ name: 's', address: 'h', port: 1 });
    const b = serviceInstance({ name: 's', address: 'h', port: 1 });
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.serviceType).toBe('DYNAMIC');
    const tls = serviceInstance({
      name: 's',
      address: 'h',
      sslPort: 443,
      uriSpec: '{scheme}://{address}:{ssl-port}/{name}',
    });
    expect(buildUri(tls)).toBe('https://h:443/s');
  });

  it('rejects malformed instances with BadArgumentsError', () => {
    expect(() => parseInstance('nope')).toThrow(BadArgumentsError);
    expect(() => parseInstance('[]')).toThrow(BadArgumentsError);
    expect(() => parseInstance('{"name":"a","id":"b","address":"h"}')).toThrow(/port or sslPort/);
    expect(() => serviceInstance({ name: 'a/b', address: 'h', port: 1 })).toThrow(BadArgumentsError);
    expect(() => serviceInstance({ name: 'a', address: 'h', port: 70000 })).toThrow(/bad port/);
  });

  it('parses uriSpec templates into literal and variable parts', () => {
    expect(parseUriSpec('{scheme}://x/{id}').parts).toEqual([
      { value: 'scheme', variable: true },
      { value: '://x/', variable: false },
      { value: 'id', variable: true },
    ]);
  });
});
