import { Document, isScalar, visit } from 'yaml';

// YAML 1.1 readers (PyYAML in docker-compose 1.x) take `22:22` as a base-60 integer and
// `1_000` as a number; quoting every digit-led string with `:` or `_` keeps them strings.
const NUMBER_LIKE = /^[0-9][0-9:_.]*$/;

/** Deterministic YAML: keys sorted at every level, no line folding, risky scalars quoted. */
export function toYaml(value: unknown, header: readonly string[] = []): string {
  const doc = new Document(value, { version: '1.1', sortMapEntries: true });
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && NUMBER_LIKE.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  // directives: false skips a walk over every node in search of %TAG handles; there are none.
  const body = doc.toString({ lineWidth: 0, indentSeq: true, directives: false });
  return [...header.map((h) => `# ${h}`), body].join('\n');
}
