/** Words for a POSIX shell command line that a person pastes or a script runs. */

/** Single-quotes a value for the shell (a ' inside becomes '\''). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A shell word: as it is when it needs no quoting (letters, digits, a few marks), else single-quoted. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : shellQuote(value);
}
