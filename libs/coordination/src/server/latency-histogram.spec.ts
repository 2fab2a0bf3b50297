import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency-histogram.js';

const BUCKETS = [0.001, 0.01, 0.1];
const VALUES = [0.0005, 0.001, 0.002, 0.05, 0.1, 3];

describe('LatencyHistogram', () => {
  it("renders through a prom-client registry exactly as prom-client's own Histogram does", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const h = new LatencyHistogram(
      { name: 'lat_seconds', help: 'latency', buckets: BUCKETS, labelName: 'op' },
      ours,
    );
    const ref = new Histogram({
      name: 'lat_seconds',
      help: 'latency',
      buckets: BUCKETS,
      labelNames: ['op'],
      registers: [theirs],
    });
    for (const [i, v] of VALUES.entries()) {
      const op = i % 2 === 0 ? 'getData' : 'setData';
      h.observe(v, op);
      ref.observe({ op }, v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it("puts a value on a bound into that bound's bucket, counts per label, and resets", async () => {
    const r = new Registry();
    const h = new LatencyHistogram({ name: 'x_seconds', help: 'x', buckets: BUCKETS }, r);
    h.observe(0.01);
    h.observe(0.02);
    const text = await r.metrics();
    expect(text).toMatch(/^x_seconds_bucket\{le="0.001"\} 0$/m);
    expect(text).toMatch(/^x_seconds_bucket\{le="0.01"\} 1$/m);
    expect(text).toMatch(/^x_seconds_bucket\{le="0.1"\} 2$/m);
    expect(text).toMatch(/^x_seconds_bucket\{le="\+Inf"\} 2$/m);
    expect(text).toMatch(/^x_seconds_count 2$/m);
    expect(h.counts()).toEqual(new Map([['', 2]]));
    r.resetMetrics();
    expect(h.counts()).toEqual(new Map());
  });
});
