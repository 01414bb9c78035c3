/**
 * Kubernetes expands `$(VAR)` in a container's command, args and env values and reads `$$` as
 * `$`, so scaleout writes every `$` there as `$$`: the process gets the text as written, a
 * backend's env and argv as much as our own shell scripts (the Redis start script's `$(sed …)`).
 * Checked by expanding the manifest the way Kubernetes does (test/helpers/k8s-expansion.ts)
 * with no variable defined and with every name defined (service links alone define many), and
 * comparing with the cdk8s-plus containers' own fields.
 */
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { describe, expect, it } from 'vitest';
import { Backend, Nginx, Postgres, Redis, Stack } from '../../../lib/index.js';
import { escapeDollars, kubernetesReferencesOf } from '../../../lib/targets/kubernetes/literal-text.js';
import { expandKubernetes } from '../../helpers/k8s-expansion.js';
import { exampleCharts, named, podSpecOf, render, workloads, type Manifest } from '../../helpers/k8s.js';
import { BACKEND } from '../../helpers/stacks.js';

/** No name defined: `$(X)` stays. Every name defined: any unescaped `$(X)` changes. */
const NONE = () => undefined;
const EVERY = (name: string) => `<${name}>`;

describe('$ in container command, args and env values is literal text', () => {
  it('escapeDollars doubles every $, and Kubernetes expansion gives the text back', () => {
    for (const s of ['', 'plain', '$', '$$', 'a$(HOME)b$$c', '$(', '$(x', '$)', 'end$', '$(A)$(B)', '€$x$']) {
      expect(escapeDollars(s).length, s).toBe(s.length + s.split('$').length - 1);
      expect(expandKubernetes(escapeDollars(s), EVERY), s).toBe(s);
    }
  });

  it("a backend's env value, command and args appear escaped in the manifest", () => {
    const stack = new Stack(undefined, 'uns');
    new Backend(stack, 'backend', {
      ...BACKEND,
      command: ['sh', '-c', 'echo "$(date)" $$ $HOME'],
      args: ['--home=$(HOME)'],
      env: { ODD: 'a$(HOME)b$$c', PLAIN: 'no dollars' },
    });
    new Nginx(stack, 'nginx');
    new Postgres(stack, 'db', { maxConnections: 200 });
    new Redis(stack, 'redis');
    const app = podSpecOf(named(render(stack, 'dev').manifests, 'Deployment', 'backend')).containers[0];
    const env = Object.fromEntries(app.env.map((e: any) => [e.name, e.value]));
    expect(env.ODD).toBe('a$$(HOME)b$$$$c');
    expect(env.PLAIN).toBe('no dollars');
    expect(app.command).toEqual(['sh', '-c', 'echo "$$(date)" $$$$ $$HOME']);
    expect(app.args).toEqual(['--home=$$(HOME)']);
    expect(expandKubernetes(env.ODD, { HOME: '/root' })).toBe('a$(HOME)b$$c');
  });

  it('every example: each container expands back to the exact strings the model and our scripts give', () => {
    let compared = 0;
    let withDollar = 0;
    for (const c of exampleCharts()) {
      const pods = c.chart.node.findAll().filter((x): x is kplus.AbstractPod => x instanceof kplus.AbstractPod);
      const manifestContainers = workloads(c.manifests).flatMap((m) => [...(podSpecOf(m).initContainers ?? []), ...podSpecOf(m).containers]);
      let here = 0;
      for (const pod of pods) {
        const api = ApiObject.of(pod);
        const m: Manifest = named(c.manifests, api.kind, api.name);
        for (const [list, kcs] of [
          ['initContainers', pod.initContainers],
          ['containers', pod.containers],
        ] as const) {
          for (const kc of kcs) {
            const mc = (podSpecOf(m)[list] as any[]).find((x) => x.name === kc.name);
            const label = `${c.example} ${c.profile} ${api.kind}/${api.name} ${kc.name}`;
            const refs = kubernetesReferencesOf(kc);
            const originals: [string, string | undefined, string | undefined, boolean][] = [
              ...(kc.command ?? []).map((s, i) => [`command[${i}]`, s, mc.command?.[i], false] as [string, string, string | undefined, boolean]),
              ...(kc.args ?? []).map((s, i) => [`args[${i}]`, s, mc.args?.[i], false] as [string, string, string | undefined, boolean]),
              ...Object.entries(kc.env.variables)
                .filter(([, v]) => v.value !== undefined)
                .map(([name, v]) => [`env ${name}`, v.value, mc.env?.find((e: any) => e.name === name)?.value, refs.has(name)] as [string, string, string | undefined, boolean]),
            ];
            expect(mc.command?.length, label).toBe(kc.command?.length);
            expect(mc.args?.length, label).toBe(kc.args?.length);
            for (const [where, original, written, reference] of originals) {
              expect(written, `${label} ${where}`).toBeDefined();
              expect(expandKubernetes(written!, NONE), `${label} ${where}`).toBe(original);
              if (!reference) expect(expandKubernetes(written!, EVERY), `${label} ${where}`).toBe(original);
              if (original!.includes('$')) withDollar++;
            }
            compared++;
            here++;
          }
        }
      }
      // Every container in the manifests was compared.
      expect(here, `${c.example} ${c.profile}`).toBe(manifestContainers.length);
    }
    expect(compared).toBeGreaterThan(0);
    // The Redis start script's `$(sed …)`, at least.
    expect(withDollar).toBeGreaterThan(0);
  });
});
