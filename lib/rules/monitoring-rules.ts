import type { Rule } from './rule.js';

/** Passwords that scanners try first; the seed ships admin/admin. */
export const DEFAULT_PASSWORDS: readonly string[] = ['', 'admin', 'password', 'grafana', 'changeme', 'secret', '123456', 'admin123'];

/** SO-GRAFANA-ADMIN: the Grafana admin password comes from a secret, never a literal default. */
export const grafanaAdminRule: Rule = {
  id: 'SO-GRAFANA-ADMIN',
  summary: 'the Grafana admin password comes from a secret, not a literal (admin/admin is refused)',
  perTarget: false,
  // In every profile: no output ever holds a literal password, so a literal has no effect.
  severity: () => 'error',
  check(ctx) {
    const m = ctx.monitoring;
    if (!m || m.grafana.adminPassword === undefined) return [];
    const pw = m.grafana.adminPassword;
    const isDefault = DEFAULT_PASSWORDS.includes(pw.trim().toLowerCase()) || pw === m.grafana.adminUser;
    return [
      {
        path: m.path,
        message: isDefault
          ? `Grafana admin password is the default '${pw}' (user '${m.grafana.adminUser}')`
          : 'Grafana admin password is a literal',
        terms: [
          isDefault
            ? 'anyone who reaches Grafana logs in as admin with it'
            : 'outputs never hold a literal password; Grafana reads the secret file instead',
        ],
        fixes: [
          {
            knob: `${m.id}.grafana.adminPassword`,
            op: 'remove',
            term: 'grafana.adminPassword',
            note: `and put the password in the secret '${m.grafana.adminPasswordSecret}' (grafana.adminPasswordSecret)`,
          },
        ],
      },
    ];
  },
};
