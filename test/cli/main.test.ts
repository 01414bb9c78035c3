import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../lib/cli/main.js';
import { cli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'lib/cli/main.ts');
const REFERENCE = join(ROOT, 'examples/reference/scaleout.yaml');
const reference = readFileSync(REFERENCE, 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'scaleout-main-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

let n = 0;
/** A fresh directory under the test's temp dir. */
function freshDir(): string {
  const d = join(tmp, `case-${++n}`);
  mkdirSync(d);
  return d;
}


/** Writes `yaml` as `scaleout.yaml` in a fresh directory; returns its path and a `dist` path beside it. */
function config(yaml = reference) {
  const dir = freshDir();
  const file = join(dir, 'scaleout.yaml');
  writeFileSync(file, yaml);
  return { dir, file, out: join(dir, 'dist') };
}

/** Every file under `dir`, relative path → content. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) {
      const path = join(e.parentPath, e.name);
      out[relative(dir, path)] = readFileSync(path, 'utf8');
    }
  }
  return out;
}

const overBudget = reference.replace('maxConnections: 200', 'maxConnections: 50');

describe('scaleout schema', () => {
  it('prints the JSON Schema of the config file, the same every time', () => {
    const r = cli('schema');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const schema = JSON.parse(r.stdout);
    expect(schema.properties.backends).toBeDefined();
    expect(schema.required).toEqual(['name', 'backends']);
    expect(Object.keys(schema.properties)).toEqual(['name', 'backends', 'nginx', 'postgres', 'redis', 'monitoring', 'profiles']);
    expect(cli('schema').stdout).toBe(r.stdout);
  });

  it('accepts the reference config and refuses a misspelt key, as an editor would', () => {
    const schema = JSON.parse(cli('schema').stdout);
    const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    expect(validate(parse(reference)), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(parse(reference.replace('replicas: 1', 'replcas: 1')))).toBe(false);
    expect(validate(parse(reference.replace('round_robin', 'roundrobin')))).toBe(false);
  });
});

describe('usage', () => {
  it('--help prints usage and exits 0', () => {
    const r = cli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: scaleout <command> [options]');
    for (const c of ['synth', 'plan', 'schema']) expect(r.stdout).toContain(`  ${c} `);
  });

  it('<command> --help prints that command usage and exits 0', () => {
    const r = cli('synth', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: scaleout synth -c FILE -o DIR [--target compose,kubernetes]');
  });

  it('--version prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(cli('--version')).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('no command: usage on stderr, exit 2', () => {
    const r = cli();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: scaleout <command>');
    expect(r.stderr).toContain('scaleout: missing command');
  });

  it('an unknown command: exit 2 with did-you-mean', () => {
    const r = cli('synt', '-c', REFERENCE, '-o', join(tmp, 'never'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatchInlineSnapshot(`
      "scaleout: unknown command 'synt'; did you mean 'synth'?
      Run 'scaleout --help' for usage.
      "
    `);
    expect(existsSync(join(tmp, 'never'))).toBe(false);
  });

  it('verify without its required --url: exit 2, naming the option', () => {
    const r = cli('verify');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('verify: missing --url URL');
  });

  it('an unknown option: exit 2 with did-you-mean', () => {
    const r = cli('synth', '-c', REFERENCE, '--ouput', 'dist');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("scaleout: unknown option '--ouput'; did you mean '--out'?");
  });

  it('an option without its value: exit 2', () => {
    const r = cli('plan', '-c');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('option -c, --config needs a value');
  });

  it('an option the command does not take: exit 2', () => {
    const r = cli('schema', '-c', REFERENCE);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('schema: option --config does not apply here');
  });

  it('a stray argument: exit 2', () => {
    const r = cli('plan', '-c', REFERENCE, 'extra');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("plan: unexpected argument 'extra'");
  });

  it('synth without -c or -o: exit 2', () => {
    expect(cli('synth', '-o', join(tmp, 'x')).stderr).toContain('synth: missing -c FILE');
    expect(cli('synth', '-c', REFERENCE).stderr).toContain('synth: missing -o DIR');
    expect(cli('plan').code).toBe(2);
  });
});

describe('--target', () => {
  it('refuses a target this version cannot emit: exit 2, nothing written', () => {
    const c = config();
    // Pulumi deploys through `pulumi up`; synth writes files only.
    const r = cli('synth', '-c', c.file, '-o', c.out, '--target', 'pulumi');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--target: synth writes no files for pulumi; deploy with the Pulumi program");
    expect(r.stderr).toContain("or use --target compose,kubernetes");
    expect(cli('synth', '-c', c.file, '-o', c.out, '--target', 'compose,pulumi').code).toBe(2);
    expect(existsSync(c.out)).toBe(false);
  });

  it('--help lists exactly the targets each command takes', () => {
    const c = config();
    for (const command of ['synth', 'plan']) {
      const listed = /--target LIST\s+comma-separated targets \(([^)]*)\)/.exec(cli(command, '--help').stdout)![1]!.split(', ');
      expect(cli('--help').stdout).toContain(`${command}: ${listed.join(', ')}`);
      for (const t of ['compose', 'kubernetes', 'pulumi']) {
        const args = command === 'synth' ? ['-o', join(tmp, `help-${t}`)] : [];
        const r = cli(command, '-c', c.file, ...args, '--target', t);
        expect(r.code === 2, `${command} --target ${t}: ${r.stderr}`).toBe(!listed.includes(t));
      }
    }
  });

  it('refuses an unknown target with did-you-mean', () => {
    const c = config();
    const r = cli('synth', '-c', c.file, '-o', c.out, '--target', 'compsoe');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--target: unknown target 'compsoe'; did you mean 'compose'?");
    expect(cli('plan', '-c', c.file, '--target', 'k8s').stderr).toContain(
      "unknown target 'k8s'; targets are compose, kubernetes, pulumi",
    );
    expect(cli('plan', '-c', c.file, '--target', 'compose,').stderr).toContain("empty target name in 'compose,'");
  });
});

describe('scaleout synth', () => {
  it('prints a multi-line warning on its own lines, not as one line with literal \\n', () => {
    // GIVEN 500 RPS in the base config with 1 replica: SO-LOAD is a warning outside production
    const c = config(
      reference
        .replace('    workers: 1\n', '    workers: 1\n    load: { expectedRps: 500 }\n')
        .replace('        replicas: 3\n', '        replicas: 3\n        load: { expectedRps: 100 }\n'),
    );
    const r = cli('synth', '-c', c.file, '-o', c.out, '--target', 'compose');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n');
    const head = lines.findIndex((l) => l.startsWith('warning [SO-LOAD]'));
    expect(head, r.stderr).toBeGreaterThanOrEqual(0);
    // THEN the arithmetic and the fixes follow as indented lines, and no line has an escaped newline
    expect(lines[head + 1]).toMatch(/^ {2}\S/);
    expect(r.stderr).not.toContain('\\n');
  });

  it('writes the compose files to DIR', () => {
    const c = config();
    const r = cli('synth', '-c', c.file, '-o', c.out, '--target', 'compose');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote 6 files to ${c.out}\n`);
    for (const line of r.stderr.split('\n').filter(Boolean)) expect(line).toMatch(/^warning /);
    // The layout `npx cdk8s synth` writes: compose/ beside the Kubernetes manifests.
    expect(Object.keys(tree(c.out)).sort()).toEqual([
      '.scaleout-manifest.json',
      'compose/.env',
      'compose/CAPACITY.md',
      'compose/docker-compose.yml',
      'compose/nginx/nginx.conf',
      'compose/postgres/roles-prod.sql',
      'compose/postgres/roles.sql',
    ]);
    expect(parse(readFileSync(join(c.out, 'compose', 'docker-compose.yml'), 'utf8')).services).toBeDefined();
  });

  it('writes identical bytes on every run, compose and kubernetes by default', () => {
    const c = config();
    expect(cli('synth', '-c', c.file, '-o', c.out).code).toBe(0);
    const first = tree(c.out);
    expect(Object.keys(first).filter((k) => !k.startsWith('compose/')).sort()).toEqual([
      '.scaleout-manifest.json',
      'uns-dev.k8s.yaml',
      'uns-prod.k8s.yaml',
    ]);
    expect(cli('synth', '-c', c.file, '-o', c.out).code).toBe(0);
    expect(tree(c.out)).toEqual(first);
  });

  it('deletes a file an earlier run wrote and no longer writes, and keeps files it never wrote', () => {
    const c = config();
    expect(cli('synth', '-c', c.file, '-o', c.out).code).toBe(0);
    writeFileSync(join(c.out, 'notes.md'), 'mine');
    expect(cli('synth', '-c', c.file, '-o', c.out, '--target', 'compose').code).toBe(0);
    expect(Object.keys(tree(c.out)).sort()).toEqual([
      '.scaleout-manifest.json',
      'compose/.env',
      'compose/CAPACITY.md',
      'compose/docker-compose.yml',
      'compose/nginx/nginx.conf',
      'compose/postgres/roles-prod.sql',
      'compose/postgres/roles.sql',
      'notes.md',
    ]);
  });

  it('exits 1 when a rule fails, and writes nothing', () => {
    const c = config(overBudget);
    const r = cli('synth', '-c', c.file, '-o', c.out);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    // one gate over both targets: prod fails under compose and kubernetes semantics alike
    expect(r.stderr).toMatch(/^scaleout: synth refused: 1 rule failed \(2 findings across profiles and targets\); nothing was written/);
    expect(r.stderr).toContain('[SO-POOL] uns/db (profile prod, target compose)');
    expect(r.stderr).toContain('[SO-POOL] uns/db (profile prod, target kubernetes)');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(c.out)).toBe(false);
  });

  it('leaves an earlier output untouched when a later synth fails', () => {
    const c = config();
    expect(cli('synth', '-c', c.file, '-o', c.out).code).toBe(0);
    const before = tree(c.out);
    writeFileSync(c.file, overBudget);
    expect(cli('synth', '-c', c.file, '-o', c.out).code).toBe(1);
    writeFileSync(c.file, reference.replace('replicas: 1', 'replicas: 0'));
    expect(cli('synth', '-c', c.file, '-o', c.out).code).toBe(2);
    expect(tree(c.out)).toEqual(before);
    expect(readdirSync(c.dir).sort()).toEqual(['dist', 'scaleout.yaml']);
  });

  it('exits 2 when the config file does not exist', () => {
    const c = config();
    const r = cli('synth', '-c', join(c.dir, 'missing.yaml'), '-o', c.out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing.yaml: cannot read the config file: no such file');
    expect(existsSync(c.out)).toBe(false);
  });

  it('refuses an output directory whose replacement would destroy work', () => {
    const c = config();
    const file = join(c.dir, 'notes.txt');
    writeFileSync(file, 'keep me');
    expect(cli('synth', '-c', c.file, '-o', file).stderr).toContain('exists and is not a directory');
    expect(cli('synth', '-c', c.file, '-o', c.dir).stderr).toContain('holds the config file');
    expect(cli('synth', '-c', c.file, '-o', '.').stderr).toContain('is the current directory or one of its parents');
    expect(cli('synth', '-c', c.file, '-o', '/').code).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    expect(readFileSync(c.file, 'utf8')).toBe(reference);
  });
});

describe('scaleout plan', () => {
  it('prints the capacity plan and exits 0 when every rule passes', () => {
    const c = config();
    const r = cli('plan', '-c', c.file, '--target', 'compose');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# Plan: uns');
    expect(r.stdout).toContain('## Profile `prod`, target compose');
    expect(r.stdout).not.toContain('target kubernetes');
  });

  it('checks compose and kubernetes by default; the reference prod surge is over budget on kubernetes', () => {
    // README "What the rules catch": the seed's own numbers fail. Kubernetes prod peaks at 3 + surge 1 + draining 1
    // = 5 replicas × 4 workers × (5 + 5) = 200 > 197 available.
    // The reference YAML as written, before the example set prod's rollout to fit.
    const r = cli('plan', '-c', config(readFileSync(join(ROOT, 'test/fixtures/issue-2-reference.yaml'), 'utf8')).file);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('## Profile `prod`, target kubernetes');
    expect(r.stdout).toContain('[SO-POOL] uns/db (profile prod, target kubernetes)');
  });

  it('exits 1 when a rule fails, after printing the plan', () => {
    const r = cli('plan', '-c', config(overBudget).file, '--target', 'compose');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[SO-POOL] uns/db (profile prod, target compose)');
  });

  it('plans for pulumi too: plan is arithmetic, no target code runs', () => {
    const r = cli('plan', '-c', config().file, '--target', 'pulumi');
    expect(r.code).not.toBe(2);
    expect(r.stdout).toContain('target pulumi');
  });

  it('exits 2 on a bad config, printing no plan', () => {
    const r = cli('plan', '-c', config(reference.replace('workers: 1', 'workers: 0')).file);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('backends.backend.workers: 0 is out of range');
  });
});

describe('unexpected errors', () => {
  const failing = {
    stdout: {
      write: () => {
        throw new Error('boom');
      },
    },
  };

  it('are reported as internal errors, exit 70, without a stack', () => {
    let stderr = '';
    const code = main(['schema'], { ...failing, stderr: { write: (s: string) => (stderr += s) } });
    expect(code).toBe(70);
    expect(stderr).toMatchInlineSnapshot(`
      "scaleout: internal error: boom
      scaleout: this is a bug; rerun with SCALEOUT_DEBUG=1 for details and report it
      "
    `);
  });

  it('show the stack with SCALEOUT_DEBUG=1', () => {
    vi.stubEnv('SCALEOUT_DEBUG', '1');
    let stderr = '';
    expect(main(['schema'], { ...failing, stderr: { write: (s: string) => (stderr += s) } })).toBe(70);
    expect(stderr).toMatch(/^\s+at /m);
  });
});

describe('the bin entry', () => {
  const node = (script: string, ...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, encoding: 'utf8' });

  it('sets the exit code from main', () => {
    const r = node(MAIN, 'plan');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('plan: missing -c FILE');
  });

  it('runs through a symlink, as npm installs bins', () => {
    const link = join(freshDir(), 'scaleout.ts');
    symlinkSync(MAIN, link);
    const r = node(link, '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: scaleout <command>');
  });

  it('does nothing when imported', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', `await import(${JSON.stringify(MAIN)})`], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
  });
});
