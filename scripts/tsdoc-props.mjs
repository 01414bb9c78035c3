// Extracts the TSDoc of every exported interface in lib/model/ but the Resolved* ones (description and
// @default of each property) into lib/cli/props-doc.json, which `scaleout schema` reads so
// the JSON Schema says what the API docs say. `npm run build` runs it; a unit test
// (test/cli/schema-docs.test.ts) fails when the committed file is stale.
//   node scripts/tsdoc-props.mjs          write the file
//   node scripts/tsdoc-props.mjs --print  print it instead
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = join(ROOT, 'lib', 'cli', 'props-doc.json');

/** Interface name → property → { description, default? }, sorted for stable output. */
export function propsDoc() {
  const dir = join(ROOT, 'lib', 'model');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort().map((f) => join(dir, f));
  const program = ts.createProgram(files, { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
  const checker = program.getTypeChecker();
  const out = {};
  for (const file of files) {
    const sf = program.getSourceFile(file);
    ts.forEachChild(sf, (node) => {
      if (!ts.isInterfaceDeclaration(node) || node.name.text.startsWith('Resolved')) return;
      if (!node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return;
      const type = checker.getTypeAtLocation(node);
      const props = {};
      // Own and inherited members (ModelCommonProps adds profiles and suppressions).
      for (const sym of checker.getPropertiesOfType(type).sort((a, b) => a.name.localeCompare(b.name))) {
        const description = ts.displayPartsToString(sym.getDocumentationComment(checker)).replace(/\s+/g, ' ').trim();
        const tag = sym.getJsDocTags(checker).find((t) => t.name === 'default');
        const dflt = tag ? ts.displayPartsToString(tag.text).replace(/\s+/g, ' ').trim() : undefined;
        props[sym.name] = { description, ...(dflt !== undefined ? { default: dflt } : {}) };
      }
      out[node.name.text] = props;
    });
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = `${JSON.stringify(propsDoc(), null, 2)}\n`;
  if (process.argv.includes('--print')) process.stdout.write(text);
  else writeFileSync(OUT, text);
}
