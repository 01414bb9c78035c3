/**
 * The role-setup Job: named by content, so each changed plan is a new Job; a TTL deletes the
 * finished ones instead of leaving one per plan behind forever. The superuser's password
 * reaches psql only by Secret reference, never in argv or as a literal env value.
 */
import { describe, expect, it } from 'vitest';
import { secretName } from '../../../lib/targets/kubernetes/names.js';
import { ROLE_SETUP_TTL_SECONDS } from '../../../lib/targets/kubernetes/role-setup.js';
import { byKind, containersOf, exampleCharts } from '../../helpers/k8s.js';

const charts = exampleCharts();
const jobs = charts.flatMap((c) => byKind(c.manifests, 'Job').map((job) => ({ label: `${c.example} ${c.profile} ${job.metadata.name}`, job, c })));

describe('role-setup Job', () => {
  it('every example with Postgres has one', () => {
    const withPostgres = charts.filter((c) => c.chart.postgres);
    expect(withPostgres.length).toBeGreaterThan(0);
    for (const c of withPostgres) expect(byKind(c.manifests, 'Job').map((j) => j.metadata.name)).toEqual([c.chart.roleSetup!.job.name]);
  });

  it('is deleted a while after it finishes (ttlSecondsAfterFinished)', () => {
    expect(ROLE_SETUP_TTL_SECONDS).toBeGreaterThan(0);
    for (const { label, job } of jobs) expect(job.spec.ttlSecondsAfterFinished, label).toBe(ROLE_SETUP_TTL_SECONDS);
  });

  it('keeps every password out of argv and out of literal env values', () => {
    for (const { label, job, c } of jobs) {
      const pg = c.stack.postgres!.resolve(c.profile);
      for (const { container } of containersOf(job)) {
        const argv: string[] = [...(container.command ?? []), ...(container.args ?? [])];
        expect(argv.join(' '), label).not.toMatch(/pass(word)?=|PGPASSWORD/i);
        for (const e of container.env ?? []) {
          if (/PASS/i.test(e.name)) {
            expect(e.value, `${label} ${e.name}`).toBeUndefined();
            expect(e.valueFrom?.secretKeyRef, `${label} ${e.name}`).toBeDefined();
          }
        }
        const pgpassword = (container.env ?? []).find((e: any) => e.name === 'PGPASSWORD');
        expect(pgpassword?.valueFrom?.secretKeyRef?.name, label).toBe(secretName(pg.passwordSecret));
      }
    }
  });
});
