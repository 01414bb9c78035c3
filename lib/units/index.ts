export { Cpu } from './cpu.js';
export { Duration } from './duration.js';
export { IntOrPercent } from './int-or-percent.js';
export { Memory } from './memory.js';
export { UnitError } from './unit-error.js';
