/**
 * Escaping in the serializers, in process: `$` → `$$` once in the compose YAML writer, probe
 * paths restricted and passed as data, nginx hash keys checked, CAPACITY.md reasons literal.
 * The real tools run on the same cases in escape.tools.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '../../../lib/errors.js';
import { synthCompose } from '../../../lib/targets/compose/index.js';
import { toYaml } from '../../../lib/targets/compose/yaml.js';
import { minimalStack } from '../../helpers/stacks.js';

describe('compose YAML', () => {
  it('writes every $ in a value as $$, in mappings and lists, and leaves keys alone', () => {
    const text = toYaml({ a: { env: { X: '$HOME', Y: 'a$$b' }, cmd: ['sh', '-c', 'echo "$(cat f)"'] } });
    expect(parse(text)).toEqual({ a: { env: { X: '$$HOME', Y: 'a$$$$b' }, cmd: ['sh', '-c', 'echo "$$(cat f)"'] } });
  });

  it('keeps a header comment on its lines', () => {
    expect(toYaml({ a: 1 }, ['one\ntwo: 3'])).toBe('# one two: 3\na: 1\n');
  });
});

describe('healthcheck path', () => {
  it.each(['/api/health\nx', '/a b', '/a#frag', '/\u001b[31m', '/%zz', '/é'])('%j is refused at config time', (path) => {
    expect(() => minimalStack({ backend: { healthcheck: { path } } })).toThrow(ConfigError);
  });

  it("passes the URL to the default probe as an argument, never inside the program", () => {
    const path = "/x'+str(__import__('os').system('id'))+'";
    const { backend } = minimalStack({ backend: { healthcheck: { path } } });
    const cmd = backend.resolve('dev').healthcheck!.command;
    expect(cmd.at(-1)).toBe(`http://127.0.0.1:8000${path}`);
    expect(cmd.slice(0, -1).join(' ')).not.toContain('os');
  });
});

describe('nginx hash key', () => {
  it.each(['$', 'x$', '$1a', '${x', 'a\nb', 'a\u0000'])('%j is refused at config time', (hashKey) => {
    expect(() => minimalStack({ nginx: { algorithm: 'hash', hashKey } })).toThrow(ConfigError);
  });

  it.each([
    ['#x$request_uri', 'hash "#x$request_uri" consistent;'],
    ['$cookie_sid${request_uri}', 'hash "$cookie_sid${request_uri}" consistent;'],
    ['a"b', 'hash "a\\"b" consistent;'],
  ])('%j is rendered %j', (hashKey, line) => {
    const { stack } = minimalStack({ nginx: { algorithm: 'hash', hashKey } });
    expect(synthCompose(stack).files.get('nginx/nginx.conf')).toContain(line);
  });
});

describe('CAPACITY.md', () => {
  it('shows a suppression reason literally: no cell break, HTML, code span or emphasis', () => {
    const reason = 'see <b>x</b> | `code` **bold** [link](javascript:alert(1)) & more';
    const { stack } = minimalStack({ backend: { suppressions: [{ rule: 'SO-HA', reason }] } });
    const md = synthCompose(stack).files.get('CAPACITY.md')!;
    const row = md.split('\n').find((l) => l.startsWith('| SO-HA'))!;
    expect(row).toContain('see &lt;b&gt;x&lt;/b&gt; \\| \\`code\\` \\*\\*bold\\*\\* \\[link\\]\\(javascript:alert\\(1\\)\\) &amp; more');
    expect(row.split(/(?<!\\)\|/)).toHaveLength(6);
  });
});
