/**
 * The program `pulumi up` runs (see Pulumi.yaml): the reference stack on a Docker engine.
 *
 * Stack config:
 * - `scaleout:profile`: the model profile to deploy (`dev`, `prod`); defaults to the Pulumi
 *   stack name;
 * - `scaleout:images`: image overrides by construct id, e.g. `{ backend: ghcr.io/uns/backend:5.4.2 }`;
 * - `postgresPassword`, `redisPassword`: secrets (`pulumi config set --secret …`).
 *
 * A model that fails a capacity rule stops here with the same message `scaleout synth`
 * prints, before any resource is registered.
 */
import * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';
import { ConfigError } from '../../lib/index.js';
import { DockerStack } from '../../lib/targets/pulumi/index.js';
import { referenceStack } from '../reference/stack.js';

const config = new pulumi.Config('scaleout');
const profile = config.get('profile') ?? pulumi.getStack();
const parsed = z.record(z.string(), z.string().min(1)).safeParse(config.getObject<unknown>('images') ?? {});
if (!parsed.success) {
  throw new ConfigError([{ code: 'SO-CONFIG-VALUE', message: z.prettifyError(parsed.error) }], 'scaleout:images maps construct ids to image references:');
}
const images = parsed.data;

const stack = referenceStack();
const app = new DockerStack(`${stack.stackName}-${profile}`, { stack, profile, images });

export const url = app.url;
export const capacity = app.capacity;
export const containerNames = app.containerNames;
