/**
 * Checks from the targets' own rules that a prop's type alone cannot express: mount paths
 * compose and Kubernetes accept, healthcheck command forms compose runs, and rollouts that
 * can progress. Used by the backend and pooler schemas, so they fail at config time (exit 2).
 */
import type { z } from 'zod';
import { IntOrPercent } from '../units/index.js';

/** Paths scaleout itself mounts into a backend container. */
export const RESERVED_MOUNTS: readonly string[] = ['/tmp', '/run/secrets'];

/** True when a maxSurge/maxUnavailable value is zero in any spelling (`0`, `0%`, `000%`). */
export function isZero(v: number | string | undefined): boolean {
  if (v === undefined) return false;
  try {
    return IntOrPercent.parse(v).value === 0;
  } catch {
    return false;
  }
}

/** Adds an issue when both rollout values are zero: the rollout could never progress. */
export function checkRollout(r: { maxSurge?: number | string; maxUnavailable?: number | string } | undefined, ctx: z.core.$RefinementCtx): void {
  if (r && isZero(r.maxSurge) && isZero(r.maxUnavailable)) {
    ctx.addIssue({
      code: 'custom',
      path: ['rollout'],
      input: r,
      message: 'rollout.maxSurge and rollout.maxUnavailable cannot both be 0; a rollout could never progress (set maxSurge 1 or maxUnavailable 1)',
    });
  }
}

/** Why a volume mount path is refused, or undefined. */
export function mountPathProblem(path: string): string | undefined {
  if (path.includes(':')) return `'${path}' holds ':', which compose reads as a mount option (':ro'); use readOnly: true and a plain path`;
  if (!/^\/[A-Za-z0-9._@+/-]*$/.test(path)) return `'${path}' is not a plain absolute path; use letters, digits and . _ @ + - between '/'`;
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '.' || s === '..')) return `'${path}' holds '.' or '..'; write the path it means`;
  if (path === '/' || segments.some((s) => s === '')) return `'${path}' has an empty segment or is '/'; write a path such as /data`;
  const reserved = RESERVED_MOUNTS.find((r) => path === r || path.startsWith(`${r}/`));
  if (reserved) return `'${path}' is where scaleout mounts ${reserved} itself; choose another path`;
  return undefined;
}

/** Issues for the mount paths of `volumes`: malformed, reserved or used twice. */
export function checkVolumes(volumes: readonly { name: string; path: string }[] | undefined, ctx: z.core.$RefinementCtx): void {
  const seen = new Map<string, string>();
  const names = new Set<string>();
  (volumes ?? []).forEach((v, i) => {
    const problem = mountPathProblem(v.path);
    if (problem) ctx.addIssue({ code: 'custom', path: ['volumes', i, 'path'], input: v.path, message: problem });
    const other = seen.get(v.path);
    if (other !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['volumes', i, 'path'], input: v.path, message: `'${v.path}' is also the path of volume '${other}'; give each volume its own path` });
    }
    seen.set(v.path, v.name);
    if (names.has(v.name)) ctx.addIssue({ code: 'custom', path: ['volumes', i, 'name'], input: v.name, message: `volume name '${v.name}' is used twice; give each volume its own name` });
    names.add(v.name);
  });
}

/** Issues for a healthcheck command compose rejects or that runs nothing. */
export function checkHealthcheckCommand(command: readonly string[] | undefined, ctx: z.core.$RefinementCtx): void {
  if (!command) return;
  const [form, ...rest] = command;
  const path = ['healthcheck', 'command'];
  if (form !== 'CMD' && form !== 'CMD-SHELL') {
    const why = form === 'NONE' ? '[NONE] disables the healthcheck; remove healthcheck instead' : `it starts with '${form}'`;
    ctx.addIssue({ code: 'custom', path, input: command, message: `${why}; a healthcheck command is [CMD, program, args...] or [CMD-SHELL, 'shell command']` });
    return;
  }
  if (rest.length === 0 || rest.every((a) => a.trim() === '')) {
    ctx.addIssue({ code: 'custom', path, input: command, message: `[${form}] alone runs nothing; add the command, e.g. [CMD, curl, -f, http://127.0.0.1:8000/health]` });
  } else if (form === 'CMD' && rest[0]!.trim() === '') {
    ctx.addIssue({ code: 'custom', path, input: command, message: 'the program after CMD is empty; name the program to run' });
  }
}
