/**
 * Reading the config file with bounds: a regular file (a fifo would block, /dev/zero never
 * ends), at most {@link MAX_CONFIG_BYTES}, strict UTF-8, and flow nesting no deeper than
 * {@link MAX_NESTING}. Every refusal is one {@link ConfigError} line.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/** A config is a few KB; 1 MiB leaves room for any real one. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** A config nests about six levels; deeper is a mistake or an attack on the parser's stack. */
export const MAX_NESTING = 64;

function openError(path: string, e: NodeJS.ErrnoException): ConfigError {
  const why =
    e.code === 'ENOENT'
      ? 'no such file; check the -c path'
      : e.code === 'EISDIR'
        ? 'it is a directory; pass the YAML file itself'
        : e.code === 'EACCES'
          ? 'permission denied'
          : e.message;
  return new ConfigError([{ code: 'SO-CONFIG-FILE', path, message: `cannot read the config file: ${why}` }]);
}

/** The bytes of `path`, refusing anything but a regular file of at most 1 MiB. */
export function readConfigBytes(path: string): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a fifo with no writer returns at once instead of hanging.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw openError(path, e as NodeJS.ErrnoException);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw openError(path, Object.assign(new Error(''), { code: 'EISDIR' }));
    if (!st.isFile()) {
      const kind = st.isFIFO() ? 'a fifo' : st.isCharacterDevice() ? 'a character device' : st.isSocket() ? 'a socket' : 'not a regular file';
      throw new ConfigError([{ code: 'SO-CONFIG-FILE', path, message: `cannot read the config file: it is ${kind}; pass a regular YAML file` }]);
    }
    if (st.size > MAX_CONFIG_BYTES) {
      throw new ConfigError([{ code: 'SO-CONFIG-FILE', path, message: `the config file has ${st.size} bytes, over the limit of ${MAX_CONFIG_BYTES} (1 MiB); a config is a few KB` }]);
    }
    // Read at most one byte past the cap: a file that grows while read is still bounded.
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n > MAX_CONFIG_BYTES) throw new ConfigError([{ code: 'SO-CONFIG-FILE', path, message: `the config file is over the limit of ${MAX_CONFIG_BYTES} bytes (1 MiB)` }]);
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Offset of the first byte that is not part of valid UTF-8, or -1. */
export function invalidUtf8Offset(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (need < 0 || i + need >= b.length) return i;
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (b[i + 1]! < lo || b[i + 1]! > hi) return i;
    for (let k = 2; k <= need; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}

/** The text of a config file: strict UTF-8 (a UTF-8 BOM is dropped), no NUL, UTF-16 named. */
export function decodeConfig(bytes: Uint8Array, path: string): string {
  const utf16 =
    (bytes[0] === 0xff && bytes[1] === 0xfe) ||
    (bytes[0] === 0xfe && bytes[1] === 0xff) ||
    (bytes.length >= 2 && (bytes[0] === 0 || bytes[1] === 0));
  if (utf16) {
    throw new ConfigError([{ code: 'SO-CONFIG-FILE', path, message: 'the config file looks like UTF-16 (or UTF-32); save it as UTF-8' }]);
  }
  const bad = invalidUtf8Offset(bytes);
  if (bad >= 0) {
    throw new ConfigError([
      {
        code: 'SO-CONFIG-FILE',
        path,
        message: `the config file is not valid UTF-8: byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at offset ${bad}; save it as UTF-8`,
      },
    ]);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new ConfigError([{ code: 'SO-CONFIG-FILE', path, message: `the config file holds a NUL byte at offset ${nul}; save it as UTF-8 text` }]);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
  return text.startsWith('\ufeff') ? text.slice(1) : text;
}

/**
 * Refuses flow collections (`[`, `{`) nested deeper than {@link MAX_NESTING}, before the
 * YAML parser recurses into them. Quoted text and comments are skipped.
 */
export function checkFlowNesting(text: string, at: (offset: number) => string): void {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      if (end < 0) return;
      i = end;
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s[{,:]/.test(text[i - 1]!))) {
      quote = c;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_NESTING) throw new ConfigError([{ code: 'SO-CONFIG-YAML', source: at(i), message: `YAML nested more than ${MAX_NESTING} levels deep; a config needs about six` }]);
    } else if ((c === ']' || c === '}') && depth > 0) {
      depth--;
    }
  }
}
