/** globalSetup of the tools tier: fail before any test when a tool is missing. */
import { preflight } from './requirements.js';

export default function setup(): void {
  preflight('tools');
}
