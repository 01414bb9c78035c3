/** globalSetup of the compose-up tier: fail before any test when a tool is missing. */
import { preflight } from './requirements.js';

export default function setup(): void {
  preflight('compose-up');
}
