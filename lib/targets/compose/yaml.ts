import { Document, isScalar, visit } from 'yaml';

// YAML 1.1 readers (PyYAML in docker-compose 1.x) take `22:22` as a base-60 integer and
// `1_000` as a number; quoting every digit-led string with `:` or `_` keeps them strings.
const NUMBER_LIKE = /^[0-9][0-9:_.]*$/;

/**
 * Deterministic compose YAML: keys sorted at every level, no line folding, risky scalars
 * quoted, and every `$` in a value written as `$$`. The model holds literal text (a user's
 * `$2b$12$…` hash, a shell's `$(cat …)`); compose must never interpolate any of it, so the
 * escaping happens here, once, for every value.
 */
export function toYaml(value: unknown, header: readonly string[] = []): string {
  const doc = new Document(value, { version: '1.1', sortMapEntries: true });
  visit(doc, {
    Pair(_key, pair) {
      const v = pair.value;
      if (isScalar(v) && typeof v.value === 'string') v.value = v.value.replaceAll('$', '$$$$');
    },
    Seq(_key, seq) {
      for (const item of seq.items) if (isScalar(item) && typeof item.value === 'string') item.value = item.value.replaceAll('$', '$$$$');
    },
  });
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && NUMBER_LIKE.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  // directives: false skips a walk over every node in search of %TAG handles; there are none.
  const body = doc.toString({ lineWidth: 0, indentSeq: true, directives: false });
  // A header line is a comment: a newline in it would start YAML.
  return [...header.map((h) => `# ${h.replace(/[\r\n\u2028\u2029]/g, ' ')}`), body].join('\n');
}
