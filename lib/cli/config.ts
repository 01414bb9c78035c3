import type { Construct } from 'constructs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError, formatConfigIssue, type ConfigIssue, type ConfigIssueInit } from '../errors.js';
import { Backend } from '../model/backend.js';
import { Monitoring } from '../model/monitoring.js';
import { Nginx } from '../model/nginx.js';
import { PgBouncer } from '../model/pgbouncer.js';
import { Postgres } from '../model/postgres.js';
import { Redis } from '../model/redis.js';
import { Stack, type ProfileProps } from '../model/stack.js';
import { resolveProfile } from '../rules/gate.js';
import { checkStructure } from '../rules/structure.js';
import { dotPath, misspeltKeys, valueAt } from '../model/zod-issues.js';
import { visible } from '../model/visible-text.js';
import { checkFlowNesting, decodeConfig, MAX_CONFIG_BYTES, MAX_NESTING, readConfigBytes } from './input-file.js';
import { describeIssue } from './issue-text.js';
import { configSchema, type ScaleoutConfig } from './config-schema.js';

/**
 * Loads a `scaleout.yaml` file into a {@link Stack}. Every problem is reported at once,
 * each line as `FILE:LINE:COL: path: what is wrong; the fix`, in one {@link ConfigError}.
 */
export function loadConfigFile(path: string, scope?: Construct): Stack {
  return loadConfigText(decodeConfig(readConfigBytes(path), path), path, scope);
}

/** Like {@link loadConfigFile}, from text; `fileLabel` names the file in messages. */
export function loadConfigText(text: string, fileLabel: string, scope?: Construct): Stack {
  const lineCounter = new LineCounter();
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${fileLabel}:${line}:${col}`;
  };
  if (text.length > MAX_CONFIG_BYTES) {
    throw new ConfigError([{ code: 'SO-CONFIG-FILE', path: fileLabel, message: `the config is over the limit of ${MAX_CONFIG_BYTES} characters (1 MiB)` }]);
  }
  checkFlowNesting(text, (offset) => {
    const before = text.slice(0, offset);
    return `${fileLabel}:${before.split('\n').length}:${offset - before.lastIndexOf('\n')}`;
  });
  // logLevel 'error': yaml's own warnings (e.g. "Keys with collection values") would go to
  // stderr as Node warnings; the schema reports such keys as one line instead.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  if (doc.errors.length > 0) throw new ConfigError([yamlError(doc.errors, text, at)]);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    throw new ConfigError([{ code: 'SO-CONFIG-YAML', source: at(0), message: `YAML error: ${visible((e as Error).message)}` }]);
  }
  checkDepth(data, `${fileLabel}`);
  if (data === null || data === undefined) {
    throw new ConfigError([
      { code: 'SO-CONFIG-YAML', source: fileLabel, message: "the config file is empty; it needs at least 'name' and 'backends' (see 'scaleout schema')" },
    ]);
  }

  const res = configSchema.safeParse(data, { reportInput: true });
  if (!res.success) throw new ConfigError(issuesOf(res.error.issues, data, doc, at));
  return build(res.data, fileLabel, (issue) => positionOf(issue, res.data, doc, at), scope);
}

/** Where each construct's section is in the file, by construct id. */
const SECTIONS: Readonly<Record<string, readonly string[]>> = {
  nginx: ['nginx'],
  db: ['postgres'],
  pgbouncer: ['postgres', 'pooler'],
  redis: ['redis'],
  monitoring: ['monitoring'],
};

/**
 * `FILE:LINE:COL` of a problem with a construct (`[stack/api] (profile dev) routes: …`):
 * the prop when the file sets it, else the construct's own key, so a default the user never
 * wrote is still pinned to the backend that took it.
 */
function positionOf(issue: ConfigIssue, config: ScaleoutConfig, doc: Document, at: (offset: number) => string): string | undefined {
  if (issue.constructPath === undefined || issue.path === undefined || !/^[A-Za-z][A-Za-z.]*$/.test(issue.path)) return undefined;
  const [stack, id, ...rest] = issue.constructPath.split('/');
  if (stack !== config.name || id === undefined || rest.length > 0) return undefined;
  const section = Object.hasOwn(config.backends, id) ? ['backends', id] : SECTIONS[id];
  if (!section) return undefined;
  const prop = issue.path.split('.');
  // A problem of one profile that the profile itself writes is pinned to its override.
  const only = issue.profiles?.length === 1 ? issue.profiles[0] : undefined;
  const profile = only !== undefined ? ['profiles', only, ...section, ...prop] : undefined;
  return at(offsetOf(doc, profile && doc.hasIn(profile) ? profile : [...section, ...prop], true));
}

/** Refuses values nested deeper than {@link MAX_NESTING} (block style, or through aliases). */
function checkDepth(data: unknown, fileLabel: string): void {
  const stack: [unknown, number][] = [[data, 0]];
  let visited = 0;
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > MAX_NESTING) {
      throw new ConfigError([{ code: 'SO-CONFIG-YAML', source: fileLabel, message: `the config is nested more than ${MAX_NESTING} levels deep; a config needs about six` }]);
    }
    if (++visited > 200_000) {
      throw new ConfigError([{ code: 'SO-CONFIG-YAML', source: fileLabel, message: 'the config holds more than 200000 mappings and lists; a config holds a few dozen' }]);
    }
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
}

/** The first YAML error (later ones are usually its echoes), with its position. */
function yamlError(
  errors: readonly { code: string; message: string; pos: [number, number] }[],
  text: string,
  at: (offset: number) => string,
): ConfigIssueInit {
  const e = errors[0]!;
  const reasons: Record<string, string> = {
    DUPLICATE_KEY: 'duplicate key; each key may appear only once in a mapping',
    MULTIPLE_DOCS: "the file holds more than one YAML document; a config is one document (remove the extra '---')",
    TAB_AS_INDENT: 'tabs are not allowed as indentation; indent with spaces',
  };
  const lineStart = text.lastIndexOf('\n', e.pos[0] - 1) + 1;
  const lineEnd = text.indexOf('\n', e.pos[0]);
  const near = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd).trim();
  const more = errors.length > 1 ? ` (and ${errors.length - 1} follow-on error${errors.length === 2 ? '' : 's'})` : '';
  return {
    code: 'SO-CONFIG-YAML',
    source: at(e.pos[0]),
    message: `YAML syntax error: ${reasons[e.code] ?? visible(e.message)}${near ? `, at '${visible(near, 80)}'` : ''}${more}`,
  };
}

/**
 * The source offset to report for `path`: a scalar value itself; for a collection, an empty
 * value, an unknown key or a missing one, the nearest key.
 */
function offsetOf(doc: Document, path: readonly PropertyKey[], preferKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = (node as Node | null)?.range?.[0] ?? 0;
  let keyOffset: number | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) return keyOffset ?? offset;
      keyOffset = (pair.key as Node | null)?.range?.[0];
      node = pair.value;
      offset = (node as Node | null)?.range?.[0] ?? keyOffset ?? offset;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      keyOffset = undefined;
      node = node.items[seg];
      offset = (node as Node | null)?.range?.[0] ?? offset;
    } else {
      return keyOffset ?? offset;
    }
  }
  // A collection's own range starts at its first entry; its key is the clearer place.
  const empty = isScalar(node) && node.value === null;
  if ((preferKey || empty || isMap(node) || isSeq(node)) && keyOffset !== undefined) return keyOffset;
  return offset;
}

/** One issue per problem, sorted by position in the file. */
function issuesOf(
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
  doc: Document,
  at: (offset: number) => string,
): ConfigIssueInit[] {
  const found: { offset: number; issue: ConfigIssueInit }[] = [];
  // One message per value: a later check on a value already reported (a cross-field rule
  // seeing an out-of-range number, say) only repeats the problem.
  const seen = new Set<string>();
  const meant = misspeltKeys(issues, configSchema);
  for (const issue of issues) {
    // A required key spelt wrong: the unknown key's "did you mean" line covers it.
    if (issue.code === 'invalid_type' && valueAt(data, issue.path) === undefined && meant.has(dotPath(issue.path))) continue;
    // One line per unknown key, each pointing at its own key.
    const split =
      issue.code === 'unrecognized_keys' ? issue.keys.map((k) => ({ ...issue, keys: [k] })) : [issue];
    for (const one of split) {
      const path = one.code === 'unrecognized_keys' ? [...one.path, one.keys[0]!] : one.path;
      const key = JSON.stringify(path.map(String));
      if (seen.has(key)) continue;
      seen.add(key);
      const offset = offsetOf(doc, path, one.code === 'unrecognized_keys' || one.code === 'invalid_key');
      for (const text of describeIssue(one, data, configSchema)) found.push({ offset, issue: { ...text, source: at(offset) } });
    }
  }
  found.sort((a, b) => a.offset - b.offset);
  return [...new Map(found.map((f) => [formatConfigIssue(f.issue), f.issue])).values()];
}

/** Builds the constructs; their ids (`nginx`, `db`, `pgbouncer`, `redis`, `monitoring`, backend keys) are a contract. */
function build(config: ScaleoutConfig, fileLabel: string, locate: (issue: ConfigIssue) => string | undefined, scope?: Construct): Stack {
  try {
    const profiles = config.profiles ?? {};
    const stackProfiles: Record<string, ProfileProps> = {};
    for (const [name, p] of Object.entries(profiles)) {
      stackProfiles[name] = {
        ...(p.production === undefined ? {} : { production: p.production }),
        ...(p.namespace === undefined ? {} : { namespace: p.namespace }),
      };
    }
    const stack = new Stack(scope, config.name, Object.keys(stackProfiles).length ? { profiles: stackProfiles } : {});
    const overrides = (pick: (p: (typeof profiles)[string]) => unknown) => {
      const out: Record<string, any> = {};
      for (const [name, p] of Object.entries(profiles)) {
        const o = pick(p);
        if (o !== undefined) out[name] = o;
      }
      return Object.keys(out).length ? { profiles: out } : {};
    };
    for (const [id, section] of Object.entries(config.backends)) {
      new Backend(stack, id, { ...section, ...overrides((p) => p.backends?.[id]) });
    }
    new Nginx(stack, 'nginx', { ...config.nginx, ...overrides((p) => p.nginx) });
    if (config.postgres) {
      // `postgres.pooler` is its own construct; overrides of it travel with it.
      const { pooler, ...pg } = config.postgres;
      new Postgres(stack, 'db', { ...pg, ...overrides((p) => without(p.postgres, 'pooler')) });
      if (pooler) new PgBouncer(stack, 'pgbouncer', { ...pooler, ...overrides((p) => (p.postgres as any)?.pooler) });
    }
    if (config.redis) new Redis(stack, 'redis', { ...config.redis, ...overrides((p) => p.redis) });
    if (config.monitoring) new Monitoring(stack, 'monitoring', { ...config.monitoring, ...overrides((p) => p.monitoring) });
    // Problems that show only once overrides are merged (e.g. requests above limits in one
    // profile) or that span constructs are input mistakes too: report them now, not at synth.
    checkStructure(stack, stack.profileNames.map((p) => resolveProfile(stack, p)));
    return stack;
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(mergeProfiles(e.issues).map((i) => ({ ...i, source: locate(i) ?? fileLabel })));
    throw e;
  }
}

/** `o` without `key`, or undefined when nothing else is left. */
function without(o: Record<string, unknown> | undefined, key: string): Record<string, unknown> | undefined {
  if (!o) return undefined;
  const { [key]: _dropped, ...rest } = o;
  return Object.keys(rest).length ? rest : undefined;
}

/** Issues that differ only in their profile become one issue naming every profile. */
function mergeProfiles(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const groups = new Map<string, { issue: ConfigIssue; profiles: string[] }>();
  for (const issue of issues) {
    const key = formatConfigIssue({ ...issue, profiles: issue.profiles?.length ? ['\u0000'] : [] });
    const group = groups.get(key) ?? { issue, profiles: [] };
    group.profiles.push(...(issue.profiles ?? []));
    groups.set(key, group);
  }
  return [...groups.values()].map(({ issue, profiles }) => (profiles.length ? { ...issue, profiles } : issue));
}
