/**
 * A fix as data: which knob to turn, which way, to what. The capacity math and the rules
 * produce fixes; `formatProblem` (lib/plan/problem.ts) is the one place that words them.
 */

/**
 * How a fix changes its knob: keep it at most / at least / below / above `value`, set it to
 * `value`, add the construct `value` describes, or remove the prop.
 */
export type FixOp = 'atMost' | 'atLeast' | 'below' | 'above' | 'set' | 'add' | 'remove';

/** A bound or a new value: a number, a word or duration, or a few props of a construct. */
export type FixValue = number | string | { readonly [prop: string]: number | string };

/** The budgets one SO-LOAD problem may break at once. */
export type BudgetName = 'PostgreSQL' | 'PgBouncer' | 'Redis' | 'nginx';

/** One change that would clear a problem. */
export interface Fix {
  /**
   * The knob as `<construct id>.<prop path>`: `api.replicas`, `db.maxConnections`,
   * `db.pooler`. A bound on a sum names each prop: `api.pool.size + api.pool.maxOverflow`.
   */
  readonly knob: string;
  /** Which way the knob moves. */
  readonly op: FixOp;
  /** The bound or the new value; absent for `remove` and a bare `add`. */
  readonly value?: FixValue;
  /**
   * How the message names the knob: the server's own word where the arithmetic uses it
   * (`max_connections` for `db.maxConnections`), with the service name in front when
   * several backends share the budget (`api replicas`).
   */
  readonly term: string;
  /** Words after the change: `(if measured)`, or how a suggested pool was sized. */
  readonly note?: string;
  /** The budget this fix is for, when one problem breaks several (SO-LOAD). */
  readonly budget?: BudgetName;
}
