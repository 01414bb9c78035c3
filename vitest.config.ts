import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Four tiers, one vitest project each (`vitest run --project <name>`; `vitest run` runs all):
 * - unit: Node only, no root, no apt packages, no fixed ports (`npm test`);
 * - tools: `*.tools.test.ts`, real nginx -t, docker-compose config, promtool, openssl;
 * - e2e: real PostgreSQL, Redis, PgBouncer, nginx and uvicorn on loopback;
 * - compose-up: podman and docker-compose, port 80.
 * Each non-unit tier's globalSetup fails the run when its tools are missing (test/tiers/).
 */
const TOOLS = '**/*.tools.test.ts';
const E2E = 'test/e2e/**';
const COMPOSE_UP = 'test/compose-up/**';
const PLANNER = 'test/e2e/planner.test.ts';

export default defineConfig({
  test: {
    // Some tests start real servers, docker-compose and the cdk8s CLI.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, TOOLS, E2E, COMPOSE_UP], setupFiles: ['test/helpers/tmpdir.ts'] } },
      { extends: true, test: { name: 'tools', include: [`test/${TOOLS}`], exclude: [...configDefaults.exclude, E2E, COMPOSE_UP], globalSetup: ['test/tiers/tools.setup.ts'] } },
      { extends: true, test: { name: 'e2e', include: [`${E2E}/*.test.ts`], exclude: [...configDefaults.exclude, PLANNER], globalSetup: ['test/tiers/e2e.setup.ts'] } },
      // The planner's prediction-against-measurement sweep (about 14 minutes): timing-sensitive,
      // so it runs alone on a quiet machine (`npm run test:planner`), not beside the other tiers.
      { extends: true, test: { name: 'planner', include: [PLANNER], globalSetup: ['test/tiers/e2e.setup.ts'], fileParallelism: false } },
      // One project name and port 80 for every file: the files run one after another.
      { extends: true, test: { name: 'compose-up', include: [`${COMPOSE_UP}/*.test.ts`], globalSetup: ['test/tiers/compose-up.setup.ts'], fileParallelism: false } },
    ],
  },
});
