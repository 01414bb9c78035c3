/** A YAML profile one slip away from a built-in one would silently become a new profile. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/index.js';
import { loadConfigText } from '../../lib/cli/config.js';

const reference = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'reference', 'scaleout.yaml'), 'utf8');
const withProfile = (header: string) => reference.replace('\n  prod:\n', `\n  ${header}\n`);

describe('a profile name close to a built-in one', () => {
  it.each([
    ['prd', 'prod'],
    ['pord', 'prod'],
    ['prod2', 'prod'],
    ['de', 'dev'],
    ['dve', 'dev'],
  ])("'%s' gets did you mean '%s', at its line", (name, builtIn) => {
    const load = () => loadConfigText(withProfile(`${name}:`), 'scaleout.yaml');
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      `scaleout.yaml:28:3: profiles.${name}: profile '${name}' is a new one, so the built-in '${builtIn}' gets none of these overrides; did you mean '${builtIn}'? (to keep a profile named '${name}', set 'production: true' or 'false' in it)`,
    );
  });

  it.each(['demo', 'pre', 'staging', 'e2e', 'qa'])("'%s' is a profile of its own", (name) => {
    expect(loadConfigText(withProfile(`${name}:`), 'scaleout.yaml').profileNames).toContain(name);
  });

  it('an explicit production: keeps a close name as intended', () => {
    expect(loadConfigText(withProfile('prd:\n    production: true'), 'scaleout.yaml').profileNames).toContain('prd');
  });
});
