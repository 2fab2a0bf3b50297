import { describe, expect, it } from 'vitest';
import { parseServiceConfig } from './service-config.js';

describe('parseServiceConfig', () => {
  it('accepts a missing node and known keys', () => {
    expect(parseServiceConfig(undefined)).toEqual({});
    expect(parseServiceConfig({ defaultWaitlistCapacity: 10, promoterIntervalMs: 500, other: 1 })).toEqual({
      defaultWaitlistCapacity: 10,
      promoterIntervalMs: 500,
    });
  });
  it('refuses wrong shapes and out-of-range values', () => {
    expect(() => parseServiceConfig([])).toThrow(/object/);
    expect(() => parseServiceConfig({ defaultWaitlistCapacity: -1 })).toThrow(/defaultWaitlistCapacity/);
    expect(() => parseServiceConfig({ defaultWaitlistCapacity: 1.5 })).toThrow(/integer/);
    expect(() => parseServiceConfig({ promoterIntervalMs: 'fast' })).toThrow(/promoterIntervalMs/);
  });
});
