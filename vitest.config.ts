import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

const swcPlugin = swc.vite({
  module: { type: 'es6' },
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
    target: 'es2022',
  },
});

const resolve = {
  alias: [
    { find: /^@app\/coordination$/, replacement: here('./libs/coordination/src/index.ts') },
    { find: /^@app\/coordination\/(.*)$/, replacement: here('./libs/coordination/src/$1') },
    { find: /^@app\/coordination-nest$/, replacement: here('./libs/coordination-nest/src/index.ts') },
    { find: /^@app\/coordination-nest\/(.*)$/, replacement: here('./libs/coordination-nest/src/$1') },
  ],
};

export default defineConfig({
  plugins: [swcPlugin],
  resolve,
  test: {
    globals: false,
    projects: [
      {
        plugins: [swcPlugin],
        resolve,
        test: {
          name: 'unit',
          include: [
            'libs/**/*.spec.ts',
            'apps/**/*.spec.ts',
            'test/unit/**/*.spec.ts',
            'test/chaos/**/*.spec.ts',
          ],
          testTimeout: 60_000,
        },
      },
      {
        plugins: [swcPlugin],
        resolve,
        test: {
          name: 'interop',
          include: [
            'test/interop/**/*.spec.ts',
            'test/system/**/*.spec.ts',
            'test/cluster/**/*.spec.ts',
            'test/nest/**/*.spec.ts',
          ],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
