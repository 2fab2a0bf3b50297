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

// One alias per package entry (tsconfig.json "paths" says the same for tsc and tsx).
const entries: Record<string, string> = {
  '@registrar/coordination': './libs/coordination/src/index.ts',
  '@registrar/coordination/server': './libs/coordination/src/server/index.ts',
  '@registrar/coordination-nest': './libs/coordination-nest/src/index.ts',
  '@registrar/contracts': './libs/contracts/src/index.ts',
  '@registrar/platform': './libs/platform/src/index.ts',
  '@registrar/platform/testing': './libs/platform/src/testing/index.ts',
};
const resolve = {
  alias: Object.entries(entries).map(([name, file]) => ({
    find: new RegExp(`^${name.replace(/[/]/g, '\\/')}$`),
    replacement: here(file),
  })),
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
      {
        // Services through HTTP against a live ensemble and a real database (processes run from dist/).
        plugins: [swcPlugin],
        resolve,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.spec.ts', 'test/gateway/**/*.spec.ts', 'test/platform/**/*.spec.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        // The dashboard in real headless Chromium against the real platform.
        plugins: [swcPlugin],
        resolve,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.spec.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
