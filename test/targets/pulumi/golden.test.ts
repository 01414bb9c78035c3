/**
 * Golden: every registration `pulumi up` would make for the reference stack, per profile, as
 * stable JSON (sorted by URN, keys sorted, secrets shown as "[secret]"). Review diffs of
 * golden/*.json like the compose golden files.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceStack } from '../../../examples/reference/stack.js';
import { DockerStack } from '../../../lib/targets/pulumi/index.js';
import { installMocks, registrationsOf, settle, withoutSecrets } from './mocks.js';

const all = installMocks('scaleout-reference', 'golden');

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}

describe('golden: reference stack on the Pulumi target', () => {
  for (const profile of ['dev', 'prod']) {
    it(`pulumi/reference-${profile}.json`, async () => {
      const name = `uns-${profile}`;
      await settle(
        new DockerStack(name, { stack: referenceStack(), profile, postgresPassword: 'pw-SENTINEL-123', redisPassword: 'redis-SENTINEL-456' }),
      );
      const regs = registrationsOf(all, name).map((r) => ({
        urn: r.urn,
        parent: r.parent,
        deleteBeforeReplace: r.deleteBeforeReplace,
        dependencies: r.dependencies,
        inputs: withoutSecrets(r.inputs),
      }));
      const json = JSON.stringify(sortKeys(regs), null, 2) + '\n';
      expect(json).not.toContain('SENTINEL');
      await expect(json).toMatchFileSnapshot(join('golden', `reference-${profile}.json`));
    });
  }
});
