import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    // Two files at a time even on two cores: most tests wait on processes, PostgreSQL and OpenVPN
    // rather than compute, and the suite takes half the time (measured: 822 s alone, 516 s two by two).
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
