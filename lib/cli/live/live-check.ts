/** One line of `scaleout check --live`: a planned value, the live one, and what to do. */

/** What a line compares. */
export type LiveCheckKind = 'scale' | 'role-limit' | 'role-connections' | 'setting';

/** A line's outcome: in line with the model, drifted, or not read (its source was not asked). */
export type LiveStatus = 'ok' | 'drift' | 'not-read';

/** One comparison between the resolved plan and the running stack. */
export interface LiveCheck {
  readonly kind: LiveCheckKind;
  /** What is compared: a compose service or workload, a role, a server setting. */
  readonly subject: string;
  readonly status: LiveStatus;
  /** The model's value (the safe scale, the planned share, the setting). */
  readonly planned: number | null;
  /** The running stack's value; null when not read or absent. */
  readonly live: number | null;
  /** The arithmetic behind the verdict, in SO-POOL's words. */
  readonly arithmetic: readonly string[];
  /** The command that restores the model, for a drifted line. */
  readonly fix?: string;
}

/** Everything one `check --live` round found. */
export interface LiveReport {
  readonly stack: string;
  readonly profile: string;
  readonly target: 'compose' | 'kubernetes';
  /** The compose project or Kubernetes namespace read; absent when only PostgreSQL was. */
  readonly where?: string;
  readonly checks: readonly LiveCheck[];
}

/** 0 in line with the model, 1 drift. (2 bad usage and 3 unreachable are thrown errors.) */
export function exitCodeOf(report: LiveReport): 0 | 1 {
  return report.checks.some((c) => c.status === 'drift') ? 1 : 0;
}
