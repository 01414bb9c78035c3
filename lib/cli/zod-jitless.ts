/**
 * Puts zod in jitless mode, as a side effect of being imported. Only the bin's entry
 * (bin.ts) imports it, first of all, so library users keep zod's compiled parsers.
 */
import * as z from 'zod';

z.config({ jitless: true });
