/**
 * Text from users or servers made safe for one terminal line: control characters, line and
 * paragraph separators and bidi overrides shown as escapes (`\n`, `\x1b`, `\u202e`) so
 * nothing can start a line, move the cursor or forge output; long text truncated.
 */

/** C0, DEL, C1, U+2028/2029 and the bidi embedding/override/isolate controls. */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every invisible or line-breaking character escaped. */
export function escapeControls(text: string): string {
  return text.replace(INVISIBLE, escapeOne);
}

/**
 * `text` as one visible line of at most about `max` characters: escaped, then cut in the
 * middle of nothing but the tail, which is replaced by a count.
 */
export function visible(text: string, max = 200): string {
  const head = text.length > max * 4 ? text.slice(0, max * 4) : text;
  const escaped = escapeControls(head);
  if (escaped.length <= max && head.length === text.length) return escaped;
  const kept = escaped.slice(0, max);
  return `${kept}… (${text.length} characters in all)`;
}
