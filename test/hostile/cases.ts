/**
 * The adversarial table: hostile and edge-case configs across the seven classes of issue
 * #14, each with the exit code synth must give and the strings that must not appear in any
 * output. hostile.test.ts runs them in process; hostile.tools.test.ts runs the real tools on
 * the accepted ones.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDocument, type Document } from 'yaml';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');
const REFERENCE = readFileSync(join(EXAMPLES, 'reference', 'scaleout.yaml'), 'utf8');
const MONITORED = readFileSync(join(EXAMPLES, 'monitored', 'scaleout.yaml'), 'utf8');
const POOLED = readFileSync(join(EXAMPLES, 'pooled', 'scaleout.yaml'), 'utf8');

export type HostileClass = 'injection' | 'secrets' | 'target-limits' | 'internal' | 'user-files' | 'input' | 'verify';

export interface HostileCase {
  readonly name: string;
  readonly cls: HostileClass;
  /** The config file's bytes. */
  readonly text: string | Buffer;
  /** Exit code of `scaleout synth`. */
  readonly exit: 0 | 1 | 2;
  /** Strings that must appear in no written file and not on stdout. */
  readonly absent?: readonly string[];
  /** A part of the one-line message (exit 2) or of a written file (exit 0). */
  readonly says?: string;
  /** Prepares the output directory (or its parent) before synth; returns files that must survive. */
  readonly before?: (out: string) => Record<string, string>;
  /** Extra synth arguments. */
  readonly args?: readonly string[];
}

type Edit = (doc: Document) => void;

function edited(base: string, ...edits: Edit[]): string {
  const doc = parseDocument(base);
  for (const e of edits) e(doc);
  return String(doc);
}

const set = (path: readonly (string | number)[], value: unknown): Edit => (doc) => doc.setIn(path, doc.createNode(value));

const B = ['backends', 'backend'] as const;
const ref = (...edits: Edit[]) => edited(REFERENCE, ...edits);
const mon = (...edits: Edit[]) => edited(MONITORED, ...edits);
const env = (vars: Record<string, unknown>) => set([...B, 'env'], vars);
/** Renames the reference backend, in its profile override too. */
const rename = (id: string): Edit => (doc) => {
  doc.setIn(['backends', id], doc.getIn(B));
  doc.deleteIn(B);
  doc.setIn(['profiles', 'prod', 'backends', id], doc.getIn(['profiles', 'prod', ...B]));
  doc.deleteIn(['profiles', 'prod', ...B]);
};
/** Volumes on the reference backend; ReadWriteMany so only the case's own problem shows. */
const volumes = (...vs: { name: string; path: string }[]) => set([...B, 'volumes'], vs.map((v) => ({ ...v, accessMode: 'ReadWriteMany' })));

/** Writes `files` under `dir`; returns them as the files that must survive. */
function userFiles(dir: string, files: Record<string, string>): Record<string, string> {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return Object.fromEntries(Object.entries(files).map(([rel, text]) => [join(dir, rel), text]));
}

const c = (cls: HostileClass, name: string, text: string | Buffer, exit: 0 | 1 | 2, more: Partial<HostileCase> = {}): HostileCase => ({ cls, name, text, exit, ...more });

export const HOSTILE_CASES: readonly HostileCase[] = [
  // 1. injection: accepted, but written so that no tool interprets the text
  c('injection', 'bcrypt hash with $ in env', ref(env({ HASH: '$2b$12$R9h/cIPz0gi.URNNX3kh2O' })), 0, { says: '$$2b$$12$$R9h' }),
  c('injection', '${VAR:-} in env reaches nobody', ref(env({ X: '${AWS_SECRET_ACCESS_KEY:-}' })), 0, { says: '$${AWS_SECRET_ACCESS_KEY:-}' }),
  c('injection', '$VAR in env', ref(env({ HOME_DIR: '$HOME/x' })), 0, { says: '$$HOME/x' }),
  c('injection', '$$ in env stays two dollars', ref(env({ PRICE: 'a$$b' })), 0, { says: 'a$$$$b' }),
  c('injection', 'image tag from the environment', ref(set([...B, 'image'], 'ghcr.io/x/api:${TAG:-1.0.0}')), 2, { says: 'image' }),
  c('injection', 'healthcheck path as Python code', ref(set([...B, 'healthcheck', 'path'], "/x'+str(__import__('os').system('id'))+'")), 0, {
    says: "http://127.0.0.1:8000/x'+str(__import__('os').system('id'))+'",
  }),
  c('injection', 'healthcheck path with a newline', ref(set([...B, 'healthcheck', 'path'], '/api\nimport os')), 2, { says: 'healthcheck.path' }),
  c('injection', 'healthcheck path with a space', ref(set([...B, 'healthcheck', 'path'], '/api health')), 2, { says: 'healthcheck.path' }),
  c('injection', 'healthcheck path with a fragment', ref(set([...B, 'healthcheck', 'path'], '/api#x')), 2, { says: 'healthcheck.path' }),
  c('injection', 'hashKey with #', ref(set(['nginx', 'algorithm'], 'hash'), set(['nginx', 'hashKey'], '#x$request_uri')), 0, { says: 'hash "#x$request_uri"' }),
  c('injection', 'hashKey with a quote', ref(set(['nginx', 'algorithm'], 'hash'), set(['nginx', 'hashKey'], 'a"b$request_uri')), 0, { says: 'hash "a\\"b$request_uri"' }),
  c('injection', 'hashKey with a brace', ref(set(['nginx', 'algorithm'], 'hash'), set(['nginx', 'hashKey'], '}$request_uri')), 0, { says: 'hash "}$request_uri"' }),
  c('injection', 'hashKey with a broken variable', ref(set(['nginx', 'algorithm'], 'hash'), set(['nginx', 'hashKey'], 'x$')), 2, { says: 'hashKey' }),
  c('injection', 'hashKey with a newline', ref(set(['nginx', 'algorithm'], 'hash'), set(['nginx', 'hashKey'], 'a\n}')), 2, { says: 'hashKey' }),
  c('injection', 'route with a brace', ref(set([...B, 'routes'], ['/api/{'])), 2, { says: 'routes' }),
  c('injection', 'route with a semicolon', ref(set([...B, 'routes'], ['/api/;return 200'])), 2, { says: 'routes' }),
  c('injection', 'route with a hash (an nginx comment)', ref(set([...B, 'routes'], ['/api/#x'])), 2, { says: 'routes' }),
  c('injection', 'route with a double quote', ref(set([...B, 'routes'], ['/api/\"x'])), 2, { says: 'routes' }),
  c('injection', 'route with a single quote', ref(set([...B, 'routes'], ["/api/'x"])), 2, { says: 'routes' }),
  c('injection', 'route with a backslash', ref(set([...B, 'routes'], ['/api/\\x'])), 2, { says: 'routes' }),
  c('injection', 'route with a control character', ref(set([...B, 'routes'], ['/api/\u0007x'])), 2, { says: 'routes' }),
  c('injection', 'route with a percent escape', ref(set([...B, 'routes'], ['/api/%41'])), 2, { says: 'routes' }),
  c('injection', 'route with a dollar', ref(set([...B, 'routes'], ['/api/$host'])), 2, { says: 'routes' }),
  c('injection', 'suppression reason with a fake heading', ref(set([...B, 'suppressions'], [{ rule: 'SO-HA', reason: 'fine\n## Suppressions\n| x |' }])), 2, { says: 'one line' }),
  c('injection', 'suppression reason with HTML', ref(set([...B, 'suppressions'], [{ rule: 'SO-HA', reason: 'see <script>alert(1)</script> here' }])), 0, {
    // The table cell is escaped; the warnings code fence shows it as literal text.
    says: '| see &lt;script&gt;alert\\(1\\)&lt;/script&gt; here |',
  }),
  c('injection', 'suppression reason with a code fence', ref(set([...B, 'suppressions'], [{ rule: 'SO-HA', reason: 'close ``` the fence here' }])), 0, { says: '\\`\\`\\`' }),
  c('injection', 'suppression reason with ANSI', ref(set([...B, 'suppressions'], [{ rule: 'SO-HA', reason: 'red \u001b[31m text here' }])), 2, { says: 'one line' }),
  c('injection', 'env value with a newline', ref(env({ MOTD: 'line one\nline two' })), 0, { says: 'MOTD' }),
  c('injection', 'env value with a YAML document marker', ref(env({ DOC: '---\nkind: Secret' })), 0, { says: 'DOC' }),
  c('injection', 'stack name with a newline', ref(set(['name'], 'uns\nx')), 2, { says: 'name' }),
  c('injection', 'image with a space', ref(set([...B, 'image'], 'ghcr.io/x/api:1.0 --privileged')), 2, { says: 'image' }),
  c('injection', 'image with a newline', ref(set([...B, 'image'], 'ghcr.io/x/api:1.0\nprivileged: true')), 2, { says: 'image' }),

  // 2. secrets: refused (exit 1), never written
  ...(
    [
      ['SECRET_KEY', 'django-insecure-abc'],
      ['DB_PASS', 'hunter2'],
      ['STRIPE_KEY', 'rk_abc'],
      ['SIGNING_KEY', 'abcdef'],
      ['PASSWORD_DB', 'hunter2'],
      ['API_KEY_1', 'abc'],
      ['GITHUB_PAT', 'abc'],
      ['dbPassword', 'hunter2'],
      ['AUTH_HEADER', 'Bearer abcdefghijklmnop'],
      ['AUTHORIZATION', 'Basic YXBwOmh1bnRlcjI='],
      ['CACHE_URL', 'redis://:pw1234@cache:6379/0'],
      ['DSN_LIST', 'primary postgresql://u:pw5678@db/x'],
      ['ARGS', '--db postgresql://u:pw9012@db:5432/x'],
      ['JDBC', 'jdbc:postgresql://db/x?user=u&password=pw3456'],
      ['GH', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
      ['SLACK', 'xoxb-123456789-abcdefghij'],
      ['STRIPE', 'sk_live_abcdefghijklmn'],
      ['AWS', 'AKIAIOSFODNN7EXAMPLE'],
      ['GITLAB', 'glpat-abcdefghij0123456789'],
    ] as const
  ).map(([k, v]) => c('secrets', `env ${k}`, ref(env({ [k]: v })), 1, { absent: [v], says: 'SO-SECRET' })),
  c('secrets', 'password in healthcheck.command', ref(set([...B, 'healthcheck', 'command'], ['CMD-SHELL', 'PGPASSWORD=pw7788 pg_isready'])), 1, { absent: ['pw7788'] }),
  c('secrets', 'token flag in healthcheck.command', ref(set([...B, 'healthcheck', 'command'], ['CMD', 'probe', '--token', 'tk7788'])), 1, { absent: ['tk7788'] }),
  c('secrets', 'password in monitor labels', mon(set(['monitoring', 'prometheusOperator'], { labels: { 'api-token': 'lbl7788' } })), 1, { absent: ['lbl7788'] }),
  c('secrets', 'Grafana literal admin password in dev', mon(set(['monitoring', 'grafana', 'adminPassword'], 'Gr4f4na-Literal')), 1, { absent: ['Gr4f4na-Literal'] }),
  c('secrets', 'Grafana literal in a dev override', mon(set(['profiles', 'dev'], { monitoring: { grafana: { adminPassword: 'Gr4f4na-Dev' } } })), 1, {
    absent: ['Gr4f4na-Dev'],
  }),
  c('secrets', 'a token as the Postgres user', ref(set(['postgres', 'user'], 'sk_live_abcdefghijkl')), 1, { absent: ['sk_live_abcdefghijkl'], says: 'uns/db (profile dev): user holds a Stripe key' }),
  c('secrets', 'a *_FILE path is not a secret', ref(env({ SMTP_PASSWORD_FILE: '/run/secrets/smtp' })), 0, { says: 'SMTP_PASSWORD_FILE' }),
  c('secrets', 'a suppressed false positive', ref(env({ CACHE_KEY_PREFIX: 'uns:' }), set([...B, 'suppressions'], [{ rule: 'SO-SECRET', reason: 'a cache key prefix, not a key' }])), 0, {
    says: 'CACHE_KEY_PREFIX',
  }),

  // 3. target limits: exit 2 at config time
  c('target-limits', '60-character backend id', ref(rename(`b${'x'.repeat(59)}`)), 2, { says: 'headless' }),
  c('target-limits', 'secret name with capitals', ref(set(['nginx', 'tls'], { certificateSecret: 'Tls_Cert', keySecret: 'tls_key' })), 2, { says: 'certificateSecret' }),
  c('target-limits', 'secret name with dots', ref(env({ API: { secret: 'api.key' } })), 2, { says: 'secret' }),
  c('target-limits', 'secret name with a trailing dash', ref(env({ API: { secret: 'api-' } })), 2, { says: 'secret' }),
  c('target-limits', 'volume name with capitals', ref(volumes({ name: 'Data', path: '/data' })), 2, { says: 'volumes' }),
  c('target-limits', 'volume name with a trailing dash', ref(volumes({ name: 'data-', path: '/data' })), 2, { says: 'volumes' }),
  c('target-limits', 'replicas above int32', ref(set([...B, 'replicas'], 3_000_000_000)), 2, { says: 'replicas' }),
  c('target-limits', 'workers above int32', ref(set([...B, 'workers'], 2 ** 31)), 2, { says: 'workers' }),
  c('target-limits', 'failTimeout in exponent form', ref(set(['nginx', 'failTimeout'], '99999999999999999999999999s')), 2, { says: 'failTimeout' }),
  c('target-limits', 'memory in exponent form', ref(set([...B, 'resources', 'limits', 'memory'], '1000000000000000000000Gi')), 2, { says: 'memory' }),
  c('target-limits', 'maxUnavailable 250%', ref(set([...B, 'rollout'], { maxUnavailable: '250%' })), 2, { says: 'maxUnavailable' }),
  c('target-limits', 'maxSurge 101%', ref(set([...B, 'rollout'], { maxSurge: '101%' })), 2, { says: 'maxSurge' }),
  c('target-limits', 'nginx port equals tls.port', ref(set(['nginx', 'port'], 8443), set(['nginx', 'tls'], { certificateSecret: 'tls_cert', keySecret: 'tls_key', port: 8443 })), 2, {
    says: 'tls.port',
  }),
  c('target-limits', 'stub_status port equals nginx port', mon(set(['monitoring', 'nginxStatusPort'], 80)), 2, { says: 'nginxStatusPort' }),
  c('target-limits', 'two services publish one host port', mon(set(['monitoring', 'grafana', 'port'], 9090)), 2, { says: '9090' }),
  c('target-limits', 'grafana on the nginx port', mon(set(['monitoring', 'grafana', 'port'], 80)), 2, { says: '80' }),
  c('target-limits', 'two volumes at one path', ref(volumes({ name: 'a', path: '/data' }, { name: 'b', path: '/data' })), 2, { says: '/data' }),
  c('target-limits', "a volume at scaleout's /tmp", ref(volumes({ name: 'a', path: '/tmp' })), 2, { says: '/tmp' }),
  c('target-limits', 'a volume path with :ro', ref(volumes({ name: 'a', path: '/data:ro' })), 2, { says: '/data:ro' }),
  c('target-limits', 'a volume path with ..', ref(volumes({ name: 'a', path: '/data/../etc' })), 2, { says: 'volumes' }),
  c('target-limits', 'healthcheck [curl, ...]', ref(set([...B, 'healthcheck', 'command'], ['curl', '-f', 'http://localhost/'])), 2, { says: 'healthcheck.command' }),
  c('target-limits', 'healthcheck [NONE]', ref(set([...B, 'healthcheck', 'command'], ['NONE'])), 2, { says: 'healthcheck.command' }),
  c('target-limits', 'healthcheck [CMD]', ref(set([...B, 'healthcheck', 'command'], ['CMD'])), 2, { says: 'healthcheck.command' }),
  c('target-limits', 'healthcheck [CMD-SHELL]', ref(set([...B, 'healthcheck', 'command'], ['CMD-SHELL'])), 2, { says: 'healthcheck.command' }),
  c('target-limits', "healthcheck [CMD-SHELL, '']", ref(set([...B, 'healthcheck', 'command'], ['CMD-SHELL', ' '])), 2, { says: 'healthcheck.command' }),
  c('target-limits', 'env DB_PASSWORD_FILE is reserved', ref(env({ DB_PASSWORD_FILE: '/run/secrets/x' })), 2, { says: 'DB_PASSWORD_FILE' }),
  c('target-limits', 'env REDIS_PASSWORD_FILE is reserved', ref(env({ REDIS_PASSWORD_FILE: '/run/secrets/x' })), 2, { says: 'REDIS_PASSWORD_FILE' }),
  c('target-limits', 'suppression reason of spaces', ref(set([...B, 'suppressions'], [{ rule: 'SO-HA', reason: '            ' }])), 2, { says: 'besides spaces' }),
  c('target-limits', 'healthcheck retries near int32 (the startup probe adds to it)', ref(set([...B, 'healthcheck', 'retries'], 2147483644)), 2, { says: 'retries' }),
  c('target-limits', 'port 0', ref(set([...B, 'port'], 0)), 2, { says: 'port' }),
  c('target-limits', 'port 65536', ref(set([...B, 'port'], 65536)), 2, { says: 'port' }),
  c('target-limits', 'negative replicas', ref(set([...B, 'replicas'], -1)), 2, { says: 'replicas' }),
  c('target-limits', 'fractional workers', ref(set([...B, 'workers'], 1.5)), 2, { says: 'workers' }),
  c('target-limits', 'NaN-like replicas', ref(set([...B, 'replicas'], '.nan')), 2, { says: 'replicas' }),

  // 4. internal errors: user input never gives exit 70
  c('internal', 'backend named constructor', ref(rename('constructor')), 2, { says: 'reserved name' }),
  c('internal', 'backend named __proto__', ref(rename('__proto__')), 2),
  c('internal', 'profile named constructor', ref(set(['profiles', 'constructor'], {})), 2, { says: 'reserved name' }),
  c('internal', 'profile named toString', ref(set(['profiles', 'tostring'], {})), 0),
  c('internal', 'secrets api_key and api-key', ref(env({ A: { secret: 'api_key' }, B: { secret: 'api-key' } })), 2, { says: 'api-key' }),
  c('internal', 'rollout 00% / 000%', ref(set([...B, 'rollout'], { maxSurge: '00%', maxUnavailable: '000%' })), 2, { says: 'rollout' }),
  c('internal', 'rollout 0 / 0', ref(set([...B, 'rollout'], { maxSurge: 0, maxUnavailable: 0 })), 2, { says: 'rollout' }),
  c('internal', 'pooler rollout 0 / 0', edited(POOLED, set(['postgres', 'pooler', 'rollout'], { maxSurge: 0, maxUnavailable: 0 })), 2, { says: 'rollout' }),
  c('internal', 'nginxStatusPort equals the Kubernetes nginx port', mon(set(['monitoring', 'nginxStatusPort'], 8080)), 2, { says: 'nginxStatusPort' }),
  c('internal', 'one secret for TLS certificate and key', ref(set(['nginx', 'tls'], { certificateSecret: 'tls_cert', keySecret: 'tls_cert' })), 2, { says: 'tls.keySecret' }),
  c('internal', 'env name hasOwnProperty', ref(env({ hasOwnProperty: 'x' })), 0),
  c('internal', 'a huge number', ref(set([...B, 'replicas'], 1e308)), 2, { says: 'replicas' }),
  c('internal', 'an alias bomb', `a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n${REFERENCE}`, 2),

  // 5. user files: never destroyed
  c('user-files', 'output dir holding a .git', REFERENCE, 2, { says: 'is not empty', before: (out) => userFiles(out, { '.git/HEAD': 'ref: main\n', 'src/app.py': 'print(1)\n' }) }),
  c('user-files', 'output dir holding one dotfile', REFERENCE, 2, { says: 'is not empty', before: (out) => userFiles(out, { '.env': 'X=1\n' }) }),
  c('user-files', "output dir with another tool's manifest", REFERENCE, 2, {
    says: 'not a manifest scaleout wrote',
    before: (out) => userFiles(out, { '.scaleout-manifest.json': '{"generator":"scaleout","files":["../../etc/passwd"]}' }),
  }),
  c('user-files', 'output path is a file', REFERENCE, 2, { says: 'not a directory', before: (out) => userFiles(join(out, '..'), { [out.split('/').pop()!]: 'mine' }) }),
  c('user-files', '--force keeps user files', REFERENCE, 0, { args: ['--force'], says: 'services:', before: (out) => userFiles(out, { 'notes.md': 'keep me' }) }),
  c('user-files', 'secrets dir inside the output', REFERENCE, 2, { says: 'inside the output directory', args: ['--secrets-dir', 'OUT/compose/secrets'] }),

  // 6. files and input
  c('input', 'UTF-16 file', Buffer.from(`\ufeff${REFERENCE}`, 'utf16le'), 2, { says: 'UTF-16' }),
  c('input', 'invalid UTF-8', Buffer.concat([Buffer.from('name: un'), Buffer.from([0xff]), Buffer.from('s\n')]), 2, { says: 'offset 8' }),
  c('input', 'a NUL byte', Buffer.from(`${REFERENCE}\u0000`), 2, { says: 'NUL' }),
  c('input', 'deep flow nesting', `name: uns\nbackends: ${'['.repeat(10_000)}\n`, 2, { says: 'nested' }),
  c('input', 'deep block nesting', `name: uns\nbackends:\n${Array.from({ length: 80 }, (_, i) => `${' '.repeat(i + 2)}k${i}:`).join('\n')}\n`, 2, { says: 'nested' }),
  c('input', 'collection key', 'name: uns\nbackends:\n  ? [a]\n  : 1\n', 2),
  c('input', 'two documents', `${REFERENCE}\n---\nname: x\n`, 2, { says: 'more than one YAML document' }),
  c('input', 'a 200 KB value', ref(set(['name'], 'a'.repeat(200_000))), 2, { says: 'characters in all' }),
  c('input', 'over 1 MiB', `${REFERENCE}#${'x'.repeat(1024 * 1024)}\n`, 2, { says: '1 MiB' }),
  c('input', 'empty file', '', 2, { says: 'empty' }),
  c('input', 'a bare scalar', 'hello\n', 2),
  c('input', 'top-level __proto__', `__proto__: { polluted: true }\n${REFERENCE}`, 2),
  c('input', 'duplicate keys', `${REFERENCE}name: again\n`, 2, { says: 'duplicate key' }),
  c('input', 'a tab indent', 'name: uns\nbackends:\n\tbackend: {}\n', 2),
  c('input', 'a UTF-8 BOM', `\ufeff${REFERENCE}`, 0),
];
