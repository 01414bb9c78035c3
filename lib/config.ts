/**
 * The YAML front door for library users: a `scaleout.yaml` becomes a {@link Stack} inside
 * your own cdk8s app (or Pulumi program), so your own charts sit next to it. The CLI reads
 * files the same way.
 */
import type { Construct } from 'constructs';
import { loadConfigFile, loadConfigText } from './cli/config.js';
import type { Stack } from './model/stack.js';

/**
 * Loads the `scaleout.yaml` at `path` into a {@link Stack}. Every problem is reported at
 * once, each line as `FILE:LINE:COL: path: what is wrong; the fix`, in one ConfigError.
 *
 * @param path the config file
 * @param scope where the Stack goes, e.g. your cdk8s `App`
 * @default scope: none (a Stack of its own)
 */
export function loadConfig(path: string, scope?: Construct): Stack {
  return loadConfigFile(path, scope);
}

/**
 * Builds the {@link Stack} that a `scaleout.yaml` text describes, inside `scope`.
 *
 * @param scope where the Stack goes, e.g. your cdk8s `App`; `undefined` for a Stack of its own
 * @param text the YAML
 * @param fileLabel names the text in error messages
 * @default fileLabel 'scaleout.yaml'
 */
export function stackFromConfig(scope: Construct | undefined, text: string, fileLabel = 'scaleout.yaml'): Stack {
  return loadConfigText(text, fileLabel, scope);
}
