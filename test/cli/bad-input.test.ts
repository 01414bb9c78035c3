/**
 * Bad configs, each one edit away from the reference: `scaleout synth` exits 2 with one line
 * per problem naming the path, the value and the fix, prints no stack trace, and writes nothing.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const reference = readFileSync(new URL('../../examples/reference/scaleout.yaml', import.meta.url), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'scaleout-bad-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The reference with `from` (which must occur exactly once) replaced by `to`. */
function edit(from: string, to: string): string {
  const parts = reference.split(from);
  if (parts.length !== 2) throw new Error(`'${from}' occurs ${parts.length - 1} times in the reference, not once`);
  return parts.join(to);
}

/** Runs `scaleout synth` on `yaml` in a fresh directory. */
function synth(yaml: string, name: string) {
  const dir = join(tmp, name.replace(/[^a-z0-9]+/gi, '-'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'scaleout.yaml');
  const out = join(dir, 'dist');
  writeFileSync(file, yaml);
  const { code, stdout, stderr } = cli('synth', '-c', file, '-o', out);
  return { code, stdout, stderr: stderr.split(dir).join('<dir>'), out };
}

interface Case {
  readonly name: string;
  readonly yaml: string;
  /** The config path (or file position) the message names. */
  readonly path: string;
  /** The bad value as the message shows it. */
  readonly value: string;
  /** The fix, limit or suggestion. */
  readonly fix: string;
  /** Problem lines expected. @default 1 */
  readonly lines?: number;
}

const SUPPRESS = '    routes: [/api/]\n';
const suppression = (s: string) => edit(SUPPRESS, `${SUPPRESS}    suppressions: [${s}]\n`);

/** The reference with a monitoring section holding `line`. */
const monitoring = (line: string) => edit('profiles:\n', `monitoring:\n  ${line}\nprofiles:\n`);

const CASES: readonly Case[] = [
  { name: 'replicas 0', yaml: edit('replicas: 1', 'replicas: 0'), path: 'backends.backend.replicas', value: '0 is out of range', fix: "set 'replicas' ≥ 1" },
  { name: 'negative workers', yaml: edit('workers: 1', 'workers: -1'), path: 'backends.backend.workers', value: '-1', fix: '≥ 1' },
  { name: 'replicas as a word', yaml: edit('replicas: 1', 'replicas: three'), path: 'backends.backend.replicas', value: "'three'", fix: 'a number' },
  { name: 'fractional workers', yaml: edit('workers: 1', 'workers: 1.5'), path: 'backends.backend.workers', value: '1.5', fix: 'a whole number' },
  { name: 'pool.size 0 (unbounded)', yaml: edit('size: 5', 'size: 0'), path: 'backends.backend.pool.size', value: 'pool.size 0', fix: 'unbounded; set it to 1 or more' },
  { name: 'pool.maxOverflow -1 (unbounded)', yaml: edit('maxOverflow: 5', 'maxOverflow: -1'), path: 'backends.backend.pool.maxOverflow', value: 'maxOverflow -1', fix: 'unbounded; set it to 0 or more' },
  { name: 'misspelt key', yaml: edit('replicas: 1', 'replcas: 1'), path: 'backends.backend.replcas', value: "unknown key 'replcas'", fix: "did you mean 'replicas'?" },
  { name: 'misspelt section', yaml: edit('postgres:', 'postgress:'), path: 'postgress', value: "unknown key 'postgress'", fix: "did you mean 'postgres'?" },
  { name: 'decimal memory unit', yaml: edit('limits: { cpu: 1, memory: 1Gi }', 'limits: { cpu: 1, memory: 1G }'), path: 'backends.backend.resources.limits.memory', value: "'1G'", fix: "write '1Gi'" },
  { name: 'memory without a unit', yaml: edit('memory: 512Mi', 'memory: 512'), path: 'backends.backend.resources.requests.memory', value: "'512'", fix: "'512Mi'" },
  { name: 'duration without a unit', yaml: edit('interval: 15s', 'interval: 15'), path: 'backends.backend.healthcheck.interval', value: "duration '15' is malformed", fix: "did you mean '15s'?" },
  { name: 'malformed duration', yaml: edit('interval: 15s', 'interval: 15sec'), path: 'backends.backend.healthcheck.interval', value: "duration '15sec' is malformed", fix: "like '500ms', '15s'" },
  { name: 'missing image', yaml: edit('    image: ghcr.io/uns/backend:5.4.1\n', ''), path: 'backends.backend.image', value: 'required', fix: "add 'image'" },
  { name: 'empty image', yaml: edit('image: ghcr.io/uns/backend:5.4.1', "image: ''"), path: 'backends.backend.image', value: "'' has too few characters", fix: 'image is required' },
  { name: 'unknown algorithm', yaml: edit('round_robin', 'roundrobin'), path: 'nginx.algorithm', value: "'roundrobin'", fix: "did you mean 'round_robin'?" },
  { name: 'YAML syntax error', yaml: edit('    workers: 1\n', '   workers: 1\n'), path: 'scaleout.yaml:11:1: YAML syntax error', value: "at 'workers: 1'", fix: 'must start at the same column' },
  { name: 'duplicate key', yaml: edit('  maxClients: 10000\n', '  maxClients: 10000\n  maxClients: 5\n'), path: 'scaleout.yaml:27:3: YAML syntax error', value: "at 'maxClients: 5'", fix: 'each key may appear only once' },
  { name: 'maxConnections not above the reserved slots', yaml: edit('maxConnections: 200', 'maxConnections: 3'), path: 'postgres.maxConnections', value: 'maxConnections 3 is not above the reserved slots', fix: 'Set maxConnections ≥ 4' },
  { name: 'port out of range', yaml: edit('port: 8000', 'port: 70000'), path: 'backends.backend.port', value: '70000', fix: "set 'port' ≤ 65535" },
  { name: 'override of an unknown backend', yaml: edit('    backends:\n      backend:\n', '    backends:\n      backnd:\n'), path: 'profiles.prod.backends.backnd', value: "unknown backend 'backnd'", fix: "did you mean 'backend'?" },
  { name: 'unknown profile in a suppression', yaml: suppression('{ rule: SO-HA, reason: one replica is enough here, profiles: [prd] }'), path: 'backends.backend.suppressions[0].profiles[0]', value: "unknown profile 'prd'", fix: "did you mean 'prod'?" },
  { name: 'suppression reason too short', yaml: suppression('{ rule: SO-HA, reason: because }'), path: 'backends.backend.suppressions[0].reason', value: "'because' is invalid", fix: 'at least 10 characters besides spaces' },
  { name: 'suppression of an unknown rule', yaml: suppression('{ rule: SO-HAX, reason: one replica is enough here }'), path: 'backends.backend.suppressions[0].rule', value: "unknown rule 'SO-HAX'", fix: "did you mean 'SO-HA'?" },
  { name: 'malformed cpu', yaml: edit('limits: { cpu: 1,', "limits: { cpu: '500x',"), path: 'backends.backend.resources.limits.cpu', value: "cpu '500x'", fix: "millicores like '500m'" },
  { name: 'requests above limits', yaml: edit('cpu: 0.5', 'cpu: 2'), path: 'backends.backend.resources.requests.cpu', value: 'requests.cpu 2 is above limits.cpu 1', fix: 'lower the request or raise the limit' },
  { name: 'requests above limits in one profile', yaml: edit('requests: { cpu: 1, memory: 1Gi }', 'requests: { cpu: 3, memory: 1Gi }'), path: '[uns/backend] (profile prod) resources.requests.cpu', value: 'requests.cpu 3 is above limits.cpu 2', fix: 'lower the request or raise the limit' },
  { name: 'backend id not a DNS label', yaml: edit('  backend:\n    image', '  Backend_1:\n    image'), path: 'backends.Backend_1', value: "the key 'Backend_1' is invalid", fix: "use lowercase letters, digits and '-'", lines: 2 },
  { name: 'stack name not a DNS label', yaml: edit('name: uns', 'name: UNS'), path: 'name', value: "'UNS'", fix: "use lowercase letters, digits and '-'" },
  { name: 'malformed nginx version', yaml: edit('nginx:\n', "nginx:\n  version: '1.x'\n"), path: 'nginx.version', value: "'1.x'", fix: "looks like '1.22'" },
  { name: 'suppressions in a profile override', yaml: edit('        serviceName: backend-prod\n', '        serviceName: backend-prod\n        suppressions: []\n'), path: 'profiles.prod.backends.backend.suppressions', value: 'suppressions are not overridden per profile', fix: "move them to backends.backend.suppressions and add 'profiles: [prod]'" },
  { name: 'backend uses Redis but there is none', yaml: edit('redis:\n  maxClients: 10000\n', ''), path: '[uns/backend] (profiles dev, prod) redisPool', value: 'redisPool 10', fix: 'add redis or set redisPool: 0' },
  { name: 'autoscale max below min', yaml: edit(SUPPRESS, `${SUPPRESS}    autoscale: { max: 1 }\n`), path: 'backends.backend.autoscale.max', value: 'autoscale.max 1 is below autoscale.min 2', fix: 'raise max or lower min' },
  { name: 'env var scaleout sets itself', yaml: edit(SUPPRESS, `${SUPPRESS}    env: { WEB_CONCURRENCY: '8' }\n`), path: 'backends.backend.env.WEB_CONCURRENCY', value: 'env WEB_CONCURRENCY', fix: 'set workers/pool/redisPool instead' },
  { name: 'route without a leading slash', yaml: edit('routes: [/api/]', 'routes: [api/]'), path: 'backends.backend.routes[0]', value: "'api/'", fix: "starting with '/'" },
  { name: 'profile name not a DNS label', yaml: edit('  prod:\n', '  Prod:\n'), path: 'profiles.Prod', value: "the key 'Prod' is invalid", fix: "use lowercase letters, digits and '-'" },
  { name: 'override of a section the config lacks', yaml: edit('redis:\n  maxClients: 10000\nprofiles:\n  prod:\n', 'profiles:\n  prod:\n    redis: { maxClients: 100 }\n'), path: 'profiles.prod.redis', value: 'overrides redis', fix: "add one (it may be empty: 'redis: {}')" },
  { name: 'misspelt prometheusOperator', yaml: monitoring('prometheusOperater: {}'), path: 'monitoring.prometheusOperater', value: "unknown key 'prometheusOperater'", fix: "did you mean 'prometheusOperator'?" },
  { name: 'operator label key with a bang', yaml: monitoring("prometheusOperator: { labels: { 'Release!': kps } }"), path: 'monitoring.prometheusOperator.labels.Release!', value: "'Release!' is not a Kubernetes label key", fix: 'use [prefix/]name' },
  { name: 'operator label value with a space', yaml: monitoring("prometheusOperator: { labels: { release: 'kps stack' } }"), path: 'monitoring.prometheusOperator.labels.release', value: "'kps stack' is not a Kubernetes label value", fix: 'at most 63 letters' },
];

describe('scaleout synth refuses bad input', () => {
  it('has at least 18 distinct cases', () => {
    expect(new Set(CASES.map((c) => c.yaml)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(18);
  });

  it.each(CASES)('$name', (c) => {
    const r = synth(c.yaml, c.name);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(c.path);
    expect(r.stderr).toContain(c.value);
    expect(r.stderr).toContain(c.fix);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toContain('internal error');
    // One line per problem, each prefixed; a file-level problem names the file.
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(c.lines ?? 1);
    for (const l of lines) expect(l).toMatch(/^scaleout: <dir>\/scaleout\.yaml(:\d+:\d+)?: /);
    expect(existsSync(r.out)).toBe(false);
  });
});

describe('messages, as users read them', () => {
  const message = (yaml: string, name: string) => synth(yaml, `snapshot ${name}`).stderr;

  it('an out-of-range count', () => {
    expect(message(edit('replicas: 1', 'replicas: 0'), 'replicas')).toMatchInlineSnapshot(`
      "scaleout: <dir>/scaleout.yaml:10:15: backends.backend.replicas: 0 is out of range, it must be ≥ 1; set 'replicas' ≥ 1
      "
    `);
  });

  it('an ambiguous memory unit', () => {
    expect(message(edit('limits: { cpu: 1, memory: 1Gi }', 'limits: { cpu: 1, memory: 1G }'), 'memory')).toMatchInlineSnapshot(`
      "scaleout: <dir>/scaleout.yaml:15:33: backends.backend.resources.limits.memory: memory '1G' is ambiguous (compose reads it as binary, Kubernetes as decimal); write '1Gi'
      "
    `);
  });

  it('an unknown key', () => {
    expect(message(edit('replicas: 1', 'replcas: 1'), 'key')).toMatchInlineSnapshot(`
      "scaleout: <dir>/scaleout.yaml:10:5: backends.backend.replcas: unknown key 'replcas'; did you mean 'replicas'?
      "
    `);
  });

  it('a YAML syntax error', () => {
    expect(message(edit('    workers: 1\n', '   workers: 1\n'), 'yaml')).toMatchInlineSnapshot(`
      "scaleout: <dir>/scaleout.yaml:11:1: YAML syntax error: All mapping items must start at the same column, at 'workers: 1' (and 5 follow-on errors)
      "
    `);
  });

  it('several problems at once, in file order', () => {
    const yaml = edit('round_robin', 'roundrobin').replace('size: 5', 'size: 0').replace('interval: 15s', 'interval: 15');
    expect(message(yaml, 'several')).toMatchInlineSnapshot(`
      "scaleout: <dir>/scaleout.yaml:12:19: backends.backend.pool.size: pool.size 0 makes SQLAlchemy QueuePool unbounded; set it to 1 or more
      scaleout: <dir>/scaleout.yaml:13:49: backends.backend.healthcheck.interval: duration '15' is malformed (did you mean '15s'?); write it like '500ms', '15s', '1m' or '1m30s'
      scaleout: <dir>/scaleout.yaml:19:14: nginx.algorithm: 'roundrobin' is not one of round_robin | least_conn | ip_hash | hash; did you mean 'round_robin'?
      "
    `);
  });
});
