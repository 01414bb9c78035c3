/**
 * What SO-SECRET treats as a secret: a name that says so (in any casing and position), or a
 * value that carries one (URL userinfo, a query-string password, an Authorization value, a
 * token with a known prefix, a private key). False positives are suppressed with a reason.
 */

/** Name words that mark a secret on their own. */
const SECRET_WORDS = new Set(['PASSWORD', 'PASSWD', 'PASS', 'PWD', 'SECRET', 'SECRETS', 'TOKEN', 'PAT', 'CREDENTIAL', 'CREDENTIALS', 'KEY', 'APIKEY', 'PRIVATEKEY', 'PASSPHRASE', 'DSN']);

/** `dbPassword`, `DB-PASS`, `api.key` → `['DB', 'PASSWORD']`, ... */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])/)
    .filter(Boolean)
    .map((w) => w.toUpperCase());
}

/** True for names such as SECRET_KEY, DB_PASS, PASSWORD_DB, API_KEY_1, GITHUB_PAT, dbPassword. */
export function isSecretName(name: string): boolean {
  // PGPASSWORD, MYSQLPASSWD, CLIENTSECRET: these words count inside a longer word too.
  return words(name).some((w) => SECRET_WORDS.has(w) || /PASSWORD|PASSWD|SECRET|PASSPHRASE/.test(w));
}

/**
 * `*_FILE` names holding an absolute path name a file, not a secret: the convention scaleout
 * itself writes (`POSTGRES_PASSWORD_FILE=/run/secrets/...`).
 */
export function isSecretFileReference(name: string, value: string): boolean {
  return /_FILE$/i.test(name) && /^\/[^\s:@]*$/.test(value);
}

const VALUE_PATTERNS: readonly (readonly [RegExp, string])[] = [
  // userinfo with a password, anywhere in the value; the user may be empty (redis://:pw@host)
  [/[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:[^\s/?#@]+@/i, 'a URL with a password'],
  [/[?&;](?:password|passwd|pwd|pass|secret|token|api[_-]?key|access[_-]?token|auth)=[^&\s;#]+/i, 'a password in a query string'],
  [/\b(?:Bearer|Basic|Token|Digest)\s+[A-Za-z0-9._~+/=-]{6,}/, 'an Authorization credential'],
  [/(?:^|[^A-Za-z0-9])(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{10,}/, 'a GitHub token'],
  [/github_pat_[A-Za-z0-9_]{10,}/, 'a GitHub token'],
  [/\bglpat-[A-Za-z0-9_-]{10,}/, 'a GitLab token'],
  [/\bxox[abposr]-[A-Za-z0-9-]{8,}/, 'a Slack token'],
  [/\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{6,}/, 'a Stripe key'],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key'],
  [/\bAIza[0-9A-Za-z_-]{30,}/, 'a Google API key'],
  [/\bsk-[A-Za-z0-9_-]{20,}/, 'an API secret key'],
  [/\bnpm_[A-Za-z0-9]{30,}/, 'an npm token'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\./, 'a JWT'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
];

/** Why `value` carries a secret whatever its name, or undefined. */
export function secretInValue(value: string): string | undefined {
  for (const [re, why] of VALUE_PATTERNS) if (re.test(value)) return why;
  return undefined;
}

/**
 * Why the argument list `args` carries a secret: a value pattern in any argument, or a flag
 * such as `--password=x` / `--password x` / `-ppw`-free forms named like a secret.
 */
export function secretInArgs(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const inValue = secretInValue(a);
    if (inValue) return inValue;
    const flag = /^--?([A-Za-z][A-Za-z0-9_.-]*)(=(.*))?$/.exec(a);
    if (flag && isSecretName(flag[1]!)) {
      const v = flag[3] ?? args[i + 1];
      if (v !== undefined && v !== '' && !v.startsWith('-') && !/^\/[^\s:@]*$/.test(v)) return `a secret after ${a.split('=')[0]}`;
    }
    // Shell forms: `PGPASSWORD=pw psql` or `redis-cli -a pw` inside one string.
    for (const m of a.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g)) {
      // `"$(cat …)"` and `$VAR` expand at run time: no literal to leak.
      if (isSecretName(m[1]!) && !isSecretFileReference(m[1]!, m[2]!) && !/^["']?\$/.test(m[2]!)) return `a secret in ${m[1]}=`;
    }
  }
  return undefined;
}
