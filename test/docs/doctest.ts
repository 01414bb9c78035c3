/**
 * The README doc-test: every fenced example in a Markdown file is extracted and checked.
 *
 * - ```yaml: synthesized with the CLI (in-process). `<!-- doctest: same-as PATH -->` before
 *   the block also requires it to be that file byte for byte; `<!-- doctest: fragment-of
 *   PATH -->` marks a part of a config, which must be contained in that (tested) file.
 * - ```ts: typechecked with the repo's tsconfig plus `noUncheckedIndexedAccess` (as many
 *   users have it), then run with `node --import tsx` in a scratch directory that sees
 *   `examples/`. `from 'scaleout'` and `'scaleout/<target>'` resolve to lib/.
 * - a plain block starting with `$ scaleout …`: a transcript; each command runs in-process
 *   and its output must equal the lines after it. `-o DIR` is moved to a scratch directory.
 * - `<!-- doctest: syntax-only: why -->` before a block: only parsed (YAML, TypeScript's
 *   parser, `bash -n`). For commands that cannot run here (pulumi, kubectl, apt-get, docker
 *   compose v2) or that are the test commands themselves.
 * - ```sh blocks must carry that marker; other plain blocks (formulas, trees) are prose.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { parse, parseAllDocuments } from 'yaml';
import { cli } from '../helpers/cli.js';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface Block {
  /** `README.md:30`: the file and the line of the opening fence. */
  readonly where: string;
  readonly lang: string;
  readonly code: string;
  /** The doctest marker's directive (`syntax-only`, `same-as`) and its argument. */
  readonly marker?: { readonly directive: string; readonly arg: string };
}

const MARKER = /^<!--\s*doctest:\s*([a-z-]+)(?::?\s+(.*?))?\s*-->$/;

/** The fenced blocks of `markdown` at column 0, each with the marker on the line before it. */
export function extractBlocks(markdown: string, file: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```([\w-]*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${file}:${i + 1}: unclosed code fence`);
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    const m = k >= 0 ? MARKER.exec(lines[k]!.trim()) : null;
    blocks.push({
      where: `${file}:${i + 1}`,
      lang: open[1]!,
      code: lines.slice(i + 1, end).join('\n') + '\n',
      ...(m ? { marker: { directive: m[1]!, arg: m[2] ?? '' } } : {}),
    });
    i = end;
  }
  return blocks;
}

export type Kind = 'yaml' | 'ts' | 'transcript' | 'sh' | 'prose';

export function kindOf(b: Block): Kind {
  if (b.lang === 'yaml' || b.lang === 'yml') return 'yaml';
  if (b.lang === 'ts' || b.lang === 'typescript') return 'ts';
  if (b.lang === 'sh' || b.lang === 'bash' || b.lang === 'shell') return 'sh';
  if (b.lang === '' && b.code.startsWith('$ scaleout ')) return 'transcript';
  return 'prose';
}

/**
 * A scratch directory with `examples` linked in, where examples run as from the repo root.
 * It is under .tmp/ in the repo so that packages (tsx, cdk8s) resolve from node_modules.
 */
export function scratch(): string {
  const work = join(ROOT, '.tmp', 'doctest');
  mkdirSync(work, { recursive: true });
  const dir = mkdtempSync(join(work, 'run-'));
  symlinkSync(join(ROOT, 'examples'), join(dir, 'examples'));
  return dir;
}

/** The problem with a YAML block, or undefined. */
export function checkYaml(b: Block): string | undefined {
  const docs = parseAllDocuments(b.code);
  const errors = (Array.isArray(docs) ? docs : [docs]).flatMap((d) => d.errors.map((e) => e.message));
  if (errors.length) return `YAML does not parse: ${errors.join('; ')}`;
  if (b.marker?.directive === 'syntax-only') return undefined;
  if (b.marker?.directive === 'fragment-of') {
    const whole = parse(readFileSync(join(ROOT, b.marker.arg), 'utf8'));
    const missing = notIn(parse(b.code), whole, '');
    return missing === undefined ? undefined : `is not part of ${b.marker.arg}: ${missing}`;
  }
  if (b.marker?.directive === 'same-as') {
    const want = readFileSync(join(ROOT, b.marker.arg), 'utf8');
    if (want !== b.code) return `differs from ${b.marker.arg}; copy the file into the block again`;
  }
  const dir = scratch();
  try {
    writeFileSync(join(dir, 'scaleout.yaml'), b.code);
    const r = cli('synth', '-c', join(dir, 'scaleout.yaml'), '-o', join(dir, 'out'));
    return r.code === 0 ? undefined : `scaleout synth exits ${r.code}:\n${r.stdout}${r.stderr}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first path where `part` is not contained in `whole`, or undefined. */
function notIn(part: unknown, whole: unknown, path: string): string | undefined {
  if (part !== null && typeof part === 'object' && !Array.isArray(part)) {
    if (whole === null || typeof whole !== 'object' || Array.isArray(whole)) return `${path || '.'} is not a mapping there`;
    for (const [k, v] of Object.entries(part)) {
      const miss = notIn(v, (whole as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (miss !== undefined) return miss;
    }
    return undefined;
  }
  return JSON.stringify(part) === JSON.stringify(whole) ? undefined : `${path}: ${JSON.stringify(part)} there is ${JSON.stringify(whole)}`;
}

/** The problem with a transcript block, or undefined. */
export function checkTranscript(b: Block): string | undefined {
  const parts = b.code.split(/^(?=\$ )/m);
  const dir = scratch();
  try {
    for (const part of parts) {
      const [command, ...rest] = part.split('\n');
      const expected = rest.join('\n');
      const argv = command!.replace(/^\$ scaleout /, '').split(/\s+/).filter(Boolean);
      const o = argv.findIndex((a) => a === '-o' || a === '--out');
      if (o >= 0 && argv[o + 1]) argv[o + 1] = join(dir, argv[o + 1]!);
      const r = cli(...argv);
      const actual = r.stdout + r.stderr;
      if (actual !== expected) return `'${command}' prints something else now:\n--- README\n${expected}--- real\n${actual}`;
    }
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The problem with a shell block, or undefined: only marked blocks, only `bash -n`. */
export function checkSh(b: Block): string | undefined {
  if (b.marker?.directive !== 'syntax-only') {
    return 'a shell block must be a `$ scaleout …` transcript or carry <!-- doctest: syntax-only: why -->';
  }
  const r = spawnSync('bash', ['-n'], { input: b.code, encoding: 'utf8' });
  return r.status === 0 ? undefined : `bash -n: ${r.stderr}`;
}

/** Where a target's entry point lives in lib/, as the package's `exports` map it. */
const ENTRY: Record<string, string> = {
  scaleout: 'lib/index.js',
  'scaleout/compose': 'lib/targets/compose/index.js',
  'scaleout/kubernetes': 'lib/targets/kubernetes/index.js',
  'scaleout/pulumi': 'lib/targets/pulumi/index.js',
};

/**
 * Typechecks every TypeScript block at once, then runs each that is not syntax-only.
 * Returns the problem per block (undefined when fine), in order.
 */
export function checkTypeScript(blocks: readonly Block[]): (string | undefined)[] {
  const work = join(ROOT, '.tmp', 'doctest');
  mkdirSync(work, { recursive: true });
  const dir = mkdtempSync(join(work, 'ts-'));
  try {
    const files = blocks.map((b, i) => {
      const file = join(dir, `block-${i}.ts`);
      const code = b.code.replace(/from '(scaleout(?:\/\w+)?)'/g, (whole, spec: string) =>
        ENTRY[spec] ? `from '${relative(dirname(file), join(ROOT, ENTRY[spec]!))}'` : whole,
      );
      writeFileSync(file, code);
      return file;
    });
    const problems: (string | undefined)[] = blocks.map(() => undefined);
    const options = compilerOptions();
    const program = ts.createProgram(files.filter((_, i) => blocks[i]!.marker?.directive !== 'syntax-only'), options);
    blocks.forEach((b, i) => {
      const file = files[i]!;
      const diagnostics =
        b.marker?.directive === 'syntax-only'
          ? (ts.transpileModule(readFileSync(file, 'utf8'), { reportDiagnostics: true, compilerOptions: options }).diagnostics ?? [])
          : ts.getPreEmitDiagnostics(program, program.getSourceFile(file));
      if (diagnostics.length) {
        problems[i] = `does not typecheck:\n${ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dir, getNewLine: () => '\n' })}`;
        return;
      }
      if (b.marker?.directive === 'syntax-only') return;
      const cwd = scratch();
      try {
        const r = spawnSync(process.execPath, ['--import', 'tsx', file], {
          cwd,
          encoding: 'utf8',
          env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
          timeout: 120_000,
        });
        if (r.status !== 0) problems[i] = `exits ${r.status ?? r.signal} when run:\n${r.stdout}${r.stderr}`;
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    });
    return problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The repo's tsconfig.json options, plus noUncheckedIndexedAccess; no output. */
function compilerOptions(): ts.CompilerOptions {
  const path = join(ROOT, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(path, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const { options, errors } = ts.convertCompilerOptionsFromJson(config.compilerOptions, ROOT, path);
  if (errors.length) throw new Error(errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, '\n')).join('\n'));
  return { ...options, noUncheckedIndexedAccess: true, noEmit: true, declaration: false, noUnusedLocals: false };
}

/** Every block's problem (undefined when fine), in order. */
export function checkAll(blocks: readonly Block[]): { block: Block; problem: string | undefined }[] {
  const tsBlocks = blocks.filter((b) => kindOf(b) === 'ts');
  const tsProblems = new Map(tsBlocks.map((b, i) => [b, i] as const));
  const tsResults = tsBlocks.length ? checkTypeScript(tsBlocks) : [];
  return blocks.map((block) => {
    switch (kindOf(block)) {
      case 'yaml':
        return { block, problem: checkYaml(block) };
      case 'ts':
        return { block, problem: tsResults[tsProblems.get(block)!] };
      case 'transcript':
        return { block, problem: checkTranscript(block) };
      case 'sh':
        return { block, problem: checkSh(block) };
      case 'prose':
        return { block, problem: undefined };
    }
  });
}
