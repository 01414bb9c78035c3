/** A value that does not parse as its unit; the message already says how to write it. */
export class UnitError extends Error {}
