import { stringify } from 'yaml';

/**
 * A chart's objects as the multi-document YAML `cdk8s synth` writes, byte for byte: cdk8s's
 * own `Yaml.stringify` options (YAML 1.1, no line folding, undefined kept). `directives: false`
 * only skips yaml's walk over every node in search of %TAG handles, which cdk8s output never
 * has; that walk is about a twentieth of a whole synth.
 */
export function manifestYaml(docs: readonly unknown[]): string {
  return docs
    .map((d) => (d === undefined ? '\n' : stringify(d, { keepUndefined: true, lineWidth: 0, version: '1.1', directives: false })))
    .join('---\n');
}
