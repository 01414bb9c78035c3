#!/usr/bin/env node
/**
 * The entry of the bundled `scaleout` bin (scripts/bundle-cli.mjs builds build/bin/scaleout.js
 * from it); main.js runs the command. A process of the bin parses one config, and compiling
 * zod's fast parsers for it costs more than it saves (about 12 ms). zod decides when each
 * schema is built, and the config schemas are built as their modules load, so jitless mode
 * is set by the first import, before main.js and its schemas load.
 */
import './zod-jitless.js';
import './main.js';
