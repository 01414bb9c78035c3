/**
 * The stack the compose-up tier brings up: the reference example (examples/reference/
 * scaleout.yaml), with the nginx version set to the stand-in's, synthesized for compose
 * into a temp dir with throwaway secrets.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseDocument } from 'yaml';
import type { GateReport } from '../../lib/index.js';
import { loadConfigText } from '../../lib/cli/config.js';
import { synthCompose, writeOutput } from '../../lib/targets/compose/index.js';

export const REFERENCE_CONFIG = fileURLToPath(new URL('../../examples/reference/scaleout.yaml', import.meta.url));

/** Debian 12's nginx, which the nginx stand-in runs. */
export const STANDIN_NGINX_VERSION = '1.22';

export interface ComposeService {
  image: string;
  environment?: Record<string, string>;
  healthcheck?: Record<string, unknown>;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  networks?: string[] | Record<string, { aliases?: string[] } | null>;
  ports?: string[];
  profiles?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: Record<string, { internal?: boolean } | null>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file: string }>;
}

export interface SynthesizedProject {
  readonly dir: string;
  readonly compose: ComposeFile;
  readonly report: GateReport;
  /** Secret name -> the throwaway value written to `<dir>/../secrets/<name>`. */
  readonly secrets: ReadonlyMap<string, string>;
}

/** The reference config text with `nginx.version` set to {@link STANDIN_NGINX_VERSION}. */
export function referenceConfigText(): string {
  const doc = parseDocument(readFileSync(REFERENCE_CONFIG, 'utf8'));
  doc.setIn(['nginx', 'version'], STANDIN_NGINX_VERSION);
  return String(doc);
}

/**
 * Synthesizes the reference stack for compose into `dir` (docker-compose.yml, nginx/,
 * CAPACITY.md) and writes a random value for every secret the compose file declares.
 * `edit` may rewrite the compose text first (the tier's self-test breaks it on purpose).
 */
export function synthesizeInto(dir: string, edit?: (composeText: string) => string): SynthesizedProject {
  const stack = loadConfigText(referenceConfigText(), REFERENCE_CONFIG);
  // Secret files live outside the output, in a sibling directory.
  const { files, report } = synthCompose(stack, { secretsDir: '../secrets' });
  writeOutput(dir, files);
  if (edit) writeFileSync(join(dir, 'docker-compose.yml'), edit(files.get('docker-compose.yml')!));
  const compose = parse(readFileSync(join(dir, 'docker-compose.yml'), 'utf8')) as ComposeFile;
  const secrets = new Map<string, string>();
  mkdirSync(join(dir, '..', 'secrets'), { recursive: true });
  for (const [name, { file }] of Object.entries(compose.secrets ?? {})) {
    const value = randomBytes(12).toString('hex');
    secrets.set(name, value);
    writeFileSync(join(dir, file), `${value}\n`, { mode: 0o644 });
  }
  return { dir, compose, report, secrets };
}
