/**
 * Property tests (fast-check): configs generated from the zod schema — valid, near-valid
 * (one leaf at an edge) and hostile — never give an exit other than 0, 1 or 2, never a stack
 * trace, write nothing unless they exit 0, and an accepted one passes every in-process
 * oracle (oracles.ts). `npm run fuzz -- --runs 10000` runs the long version.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configArb, leaves, type FuzzCase } from './generators.js';
import { checkCase, nginxConfProblem } from './oracles.js';

const property = (c: FuzzCase) => {
  const o = checkCase(c);
  if (o.problems.length) throw new Error(`${o.problems.join('\n')}\n--- config ---\n${c.text}`);
};

describe('fuzz: synth on generated configs', () => {
  it('the generator reaches every section of the schema', () => {
    const sections = new Set(leaves().map((l) => String(l.path[0])));
    expect([...sections].sort()).toEqual(['backends', 'monitoring', 'name', 'nginx', 'postgres', 'profiles', 'redis']);
    expect(leaves().length).toBeGreaterThan(100);
  });

  it('valid configs (100 runs)', () => fc.assert(fc.property(configArb('valid'), property), { numRuns: 100 }));
  it('near-valid configs (100 runs)', () => fc.assert(fc.property(configArb('near-valid'), property), { numRuns: 100 }));
  it('hostile configs (100 runs)', () => fc.assert(fc.property(configArb('hostile'), property), { numRuns: 100 }));
});

describe('the nginx.conf oracle can fail', () => {
  it.each([
    ['hash #x consistent;', "last directive has no ;"],
    ['http { server { listen 80; }', '1 unclosed block(s)'],
    ['a "b;', 'unterminated quote at 2'],
    ['}', "unbalanced '}' at 0"],
  ])('%j', (conf, problem) => expect(nginxConfProblem(conf)).toBe(problem));
  it('accepts a real one', () => expect(nginxConfProblem('events { worker_connections 1024; }\nhttp { hash "#x$request_uri" consistent; }\n')).toBeUndefined());
});
