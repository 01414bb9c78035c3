/**
 * Config errors are data: each ConfigError carries its issues with a code from CONFIG_CODES,
 * where it is and what is wrong, and `problems` (what the CLI prints) is each one formatted.
 * One test per code; every code of CONFIG_CODES must have one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile, loadConfigText } from '../../lib/cli/config.js';
import { checkOutputDir, secretsDirFor } from '../../lib/cli/output-dir.js';
import { runPlanner } from '../../lib/cli/plan-planner.js';
import { CONFIG_CODES, ConfigError, formatConfigIssue, type ConfigCode, type ConfigIssue } from '../../lib/errors.js';
import { isRuleId, RULE_IDS } from '../../lib/model/rule-ids.js';
import { Stack } from '../../lib/model/stack.js';
import { evaluate } from '../../lib/rules/gate.js';
import { synthCompose, writeOutput } from '../../lib/targets/compose/index.js';
import { minimalStack } from '../helpers/stacks.js';

const tmp = mkdtempSync(join(tmpdir(), 'scaleout-codes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The ConfigError `fn` throws. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

/** The one issue of the ConfigError `fn` throws; its printed line is the issue, formatted. */
function onlyIssue(fn: () => unknown): ConfigIssue {
  const err = configError(fn);
  expect(err.issues).toHaveLength(1);
  expect(err.problems).toEqual(err.issues.map(formatConfigIssue));
  return err.issues[0]!;
}

const tested = new Set<ConfigCode>();
function code(c: ConfigCode): ConfigCode {
  tested.add(c);
  return c;
}

const YAML = (backend: string) => `name: uns\nbackends:\n  api:\n    image: ghcr.io/acme/api:1.0.0\n${backend}`;

describe('config error codes', () => {
  it('SO-CONFIG-FILE: the config file cannot be read', () => {
    const missing = join(tmp, 'nope.yaml');
    const issue = onlyIssue(() => loadConfigFile(missing));
    expect(issue).toMatchObject({ code: code('SO-CONFIG-FILE'), path: missing, fixes: [] });
    expect(formatConfigIssue(issue)).toBe(`${missing}: cannot read the config file: no such file; check the -c path`);
  });

  it('SO-CONFIG-YAML: the text is not one YAML document', () => {
    const issue = onlyIssue(() => loadConfigText('name: uns\nname: again\n', 'x.yaml'));
    expect(issue.code).toBe(code('SO-CONFIG-YAML'));
    expect(issue.source).toBe('x.yaml:2:1'); // the second `name:`, at the start of line 2
    expect(issue.message).toMatch(/^YAML syntax error: duplicate key/);
    expect(onlyIssue(() => loadConfigText('# nothing\n', 'x.yaml'))).toMatchObject({ code: 'SO-CONFIG-YAML', source: 'x.yaml' });
  });

  it('SO-CONFIG-KEY: a key nothing knows, at its position, with the key path', () => {
    const text = YAML('    replica: 2\n');
    const issue = onlyIssue(() => loadConfigText(text, 'x.yaml'));
    expect(issue).toEqual({
      code: code('SO-CONFIG-KEY'),
      source: `x.yaml:5:${text.split('\n')[4]!.indexOf('replica') + 1}`,
      path: 'backends.api.replica',
      message: "unknown key 'replica'; did you mean 'replicas'?",
      fixes: [],
    });
  });

  it('SO-CONFIG-VALUE: a value a prop refuses, in the config file and in the TypeScript API', () => {
    const text = YAML('    replicas: -1\n');
    const yaml = onlyIssue(() => loadConfigText(text, 'x.yaml'));
    const value = `x.yaml:5:${text.split('\n')[4]!.indexOf('-1') + 1}`;
    expect(yaml).toMatchObject({ code: code('SO-CONFIG-VALUE'), source: value, path: 'backends.api.replicas' });
    const api = onlyIssue(() => minimalStack({ backend: { replicas: -1 } }));
    expect(api).toMatchObject({ code: 'SO-CONFIG-VALUE', constructPath: 'uns/backend', path: 'replicas' });
    expect(api.source).toBeUndefined();
    expect(formatConfigIssue(api)).toMatch(/^\[uns\/backend\] replicas: -1 is out of range/);
    // An unknown rule from untyped JavaScript: refused by the gate, with the closest id.
    // @ts-expect-error 'SO-POLL' is not a RuleId
    const { stack } = minimalStack({ db: { suppressions: [{ rule: 'SO-POLL', reason: 'typo in the rule id' }] } });
    expect(onlyIssue(() => evaluate(stack, { targets: ['compose'] }))).toMatchObject({
      code: 'SO-CONFIG-VALUE',
      constructPath: 'uns/db',
      path: 'suppressions',
    });
  });

  it('SO-CONFIG-STRUCTURE: the stack as a whole, with the fix as data', () => {
    const stack = new Stack(undefined, 'bare');
    const issues = configError(() => evaluate(stack, { targets: ['compose'] })).issues;
    expect(issues.map((i) => [i.code, i.constructPath, i.path])).toEqual([
      [code('SO-CONFIG-STRUCTURE'), 'bare', 'backends'],
      ['SO-CONFIG-STRUCTURE', 'bare', 'nginx'],
    ]);
    expect(issues.map((i) => i.fixes)).toEqual([
      [{ knob: 'bare.backend', op: 'add', term: 'backend' }],
      [{ knob: 'bare.nginx', op: 'add', term: 'nginx' }],
    ]);
  });

  it('SO-CONFIG-STRUCTURE in a config file: one issue per problem, naming every profile it holds in', () => {
    const plain = 'database: false, redisPool: 0, routes: [/api/]';
    const text = `name: uns\nbackends:\n  api: { image: ghcr.io/acme/api:1.0.0, ${plain} }\n  web: { image: ghcr.io/acme/web:1.0.0, ${plain} }\n`;
    const issue = onlyIssue(() => loadConfigText(text, 'x.yaml'));
    // Pinned to the second backend's routes key: line 4.
    const at = `x.yaml:4:${text.split('\n')[3]!.indexOf('routes') + 1}`;
    expect(issue).toMatchObject({
      code: 'SO-CONFIG-STRUCTURE',
      source: at,
      constructPath: 'uns/web',
      profiles: ['dev', 'prod'],
      path: 'routes',
    });
    expect(formatConfigIssue(issue)).toBe(`${at}: [uns/web] (profiles dev, prod) routes: '/api/' is already routed to uns/api; each route goes to one backend`);
  });

  it('SO-CONFIG-SECRETS: where secrets go', () => {
    const { stack } = minimalStack();
    expect(onlyIssue(() => synthCompose(stack, { secretsDir: 'a$b' }))).toMatchObject({ code: code('SO-CONFIG-SECRETS'), path: 'secretsDir' });
    expect(onlyIssue(() => secretsDirFor(join(tmp, 'scaleout.yaml'), join(tmp, 'dist'), ''))).toMatchObject({
      code: 'SO-CONFIG-SECRETS',
      path: '--secrets-dir',
    });
  });

  it('SO-CONFIG-OUTPUT: where output goes', () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    const issue = onlyIssue(() => writeOutput(file, new Map([['a.txt', 'a']])));
    expect(issue).toMatchObject({ code: code('SO-CONFIG-OUTPUT'), path: file });
    expect(onlyIssue(() => checkOutputDir('/', join(tmp, 'scaleout.yaml')))).toMatchObject({ code: 'SO-CONFIG-OUTPUT', path: '-o /' });
  });

  it('SO-CONFIG-USAGE: a flag, or what it points at', () => {
    const { stack } = minimalStack();
    const report = evaluate(stack, { targets: ['compose'] });
    const issue = onlyIssue(() => runPlanner(report, ['compose'], { rps: 'lots', p99: '250ms' }));
    expect(issue).toMatchObject({ code: code('SO-CONFIG-USAGE'), path: 'plan --rps' });
    expect(formatConfigIssue(issue)).toBe(
      "plan --rps: 'lots' is not a rate; give requests per second above 0 and at most 10000000, e.g. --rps 800",
    );
  });

  it('every code has a test above', () => {
    expect([...tested].sort()).toEqual([...CONFIG_CODES].sort());
  });

  it('config codes and rule ids are disjoint, so a code names one thing', () => {
    expect(CONFIG_CODES.filter((c) => isRuleId(c))).toEqual([]);
    expect(RULE_IDS.filter((r) => r.startsWith('SO-CONFIG-'))).toEqual([]);
  });
});

describe('formatConfigIssue', () => {
  it('prints source, construct, profiles, path and message in that order, each only when set', () => {
    const base = { code: 'SO-CONFIG-VALUE', message: 'what is wrong', fixes: [] } as const;
    expect(formatConfigIssue(base)).toBe('what is wrong');
    expect(formatConfigIssue({ ...base, path: '--rps' })).toBe('--rps: what is wrong');
    expect(formatConfigIssue({ ...base, constructPath: 'uns/api', path: '' })).toBe('[uns/api] : what is wrong');
    expect(formatConfigIssue({ ...base, source: 'f.yaml:1:2', constructPath: 'uns/api', profiles: ['prod'], path: 'replicas' })).toBe(
      'f.yaml:1:2: [uns/api] (profile prod) replicas: what is wrong',
    );
  });

  it('ConfigError: the message is the header and the formatted issues, one a line', () => {
    const err = new ConfigError([{ code: 'SO-CONFIG-USAGE', path: '--x', message: 'bad' }, { code: 'SO-CONFIG-USAGE', message: 'worse' }], 'head:');
    expect(err.message).toBe('head:\n--x: bad\nworse');
    expect(err.problems).toEqual(['--x: bad', 'worse']);
    expect(err.issues.map((i) => i.fixes)).toEqual([[], []]);
    expect(err.exitCode).toBe(2);
  });
});
