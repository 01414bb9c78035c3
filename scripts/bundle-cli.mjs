// Bundles the `scaleout` bin into one ESM file, build/bin/scaleout.js, after tsc has built
// build/. A fresh `scaleout synth` otherwise spends most of its time resolving and reading
// about 380 module files (ours, zod's, yaml's and cdk8s's), and loads yaml twice because
// cdk8s ships its own copy. The library entry points stay unbundled: users' constructs must
// share one cdk8s and one constructs with their own app, which only the bin never needs.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');
const require = createRequire(join(ROOT, 'package.json'));
// cdk8s bundles yaml at the same version we pin; one copy is enough. The version check keeps
// that true: if they ever drift, the build fails instead of silently mixing two yamls.
const ours = require('yaml/package.json').version;
const theirs = createRequire(require.resolve('cdk8s'))('yaml/package.json').version;
if (ours !== theirs) throw new Error(`bundle-cli: yaml ${ours} (ours) differs from cdk8s's bundled yaml ${theirs}; align the pin in package.json`);
const yamlEntry = require.resolve('yaml');

await build({
  entryPoints: [join(ROOT, 'build/cli/bin.js')],
  outfile: join(ROOT, 'build/bin/scaleout.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // cdk8s and its dependencies are CommonJS and call require(); ESM output has none.
  banner: { js: "import { createRequire as __scaleoutRequire } from 'node:module';\nconst require = __scaleoutRequire(import.meta.url);" },
  // Readable stack traces for the SCALEOUT_DEBUG=1 bug reports; minifying saves no time here.
  minify: false,
  // Pulumi is an optional peer the CLI never loads. pg and the Kubernetes client are
  // dependencies `check --live` imports on demand; bundled, every command would parse them.
  external: ['@pulumi/*', 'pg', 'pg-native', '@kubernetes/client-node'],
  plugins: [{ name: 'one-yaml', setup: (b) => b.onResolve({ filter: /^yaml$/ }, () => ({ path: yamlEntry })) }],
  logLevel: 'warning',
});
