/**
 * What a container process gets from a manifest's command, args and env values: Kubernetes'
 * `$(VAR_NAME)` expansion, as kubernetes/kubernetes implements it in
 * third_party/forked/golang/expansion/expand.go. `$$` is one `$`; `$(NAME)` is NAME's value
 * when `vars` (a map, or a lookup) defines it and stays as written when not; an unclosed `$(`, a `$` before any
 * other character and a final `$` stay as written. (Go scans bytes, so its `$` before a
 * non-ASCII character mangles that character; this keeps it, and escaped text never has one.)
 */
export function expandKubernetes(input: string, vars: Readonly<Record<string, string>> | ((name: string) => string | undefined) = {}): string {
  const lookup = typeof vars === 'function' ? vars : (name: string) => (Object.hasOwn(vars, name) ? vars[name] : undefined);
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === '$') {
      out += '$';
    } else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close < 0) out += '$(';
      else {
        const name = rest.slice(1, close);
        out += lookup(name) ?? `$(${name})`;
        advance = close + 1;
      }
    } else {
      out += `$${rest[0]}`;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}
