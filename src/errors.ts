/**
 * Error kinds and their exit codes. Every error a user can cause is one of these; the CLI's single
 * top-level catch prints `facebench: <message>` (plus the hint) once and exits with `exitCode`.
 * Anything else is a bug and exits 70 with a stack trace.
 */
export class FacebenchError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Wrong flags or flag values. */
export class UsageError extends FacebenchError {
  constructor(message: string, hint?: string) {
    super(message, 2, hint);
  }
}

/** A data, model or result file that is missing, malformed or inconsistent. */
export class DataError extends FacebenchError {
  constructor(message: string, hint?: string) {
    super(message, 2, hint);
  }
}

/** A gate found a regression. */
export class RegressionError extends FacebenchError {
  constructor(message: string) {
    super(message, 1);
  }
}

export const INTERNAL_ERROR_EXIT_CODE = 70;

/** `file:line: what` — the one shape every data-error message takes. */
export function at(file: string, line: number | undefined, what: string): string {
  return line === undefined ? `${file}: ${what}` : `${file}:${line}: ${what}`;
}

/** Echoed tokens are cut to this many characters: a 50 MB token must not become 50 MB of stderr. */
export const MAX_ECHOED_TOKEN_CHARS = 40;

/** The first `max` characters of `text`, not splitting a surrogate pair. */
function head(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** Control characters as \xNN: a message stays on one line. */
function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * A token found in a data file, quoted for a message: control characters escaped (the message stays
 * one line) and cut to MAX_ECHOED_TOKEN_CHARS with `…` and the full length when longer:
 * `'abc'`, `'aaaa…' (52428800 characters)`.
 */
export function quoteToken(token: string): string {
  if (token.length <= MAX_ECHOED_TOKEN_CHARS) return `'${escapeControls(token)}'`;
  return `'${escapeControls(head(token, MAX_ECHOED_TOKEN_CHARS))}…' (${token.length} characters)`;
}

/** Another library's message on one line (newlines become ' / '), cut to `max` characters with `…`. */
export function oneLine(text: string, max: number): string {
  const flat = escapeControls(text.trim().replace(/\s*[\r\n]+\s*/g, ' / '));
  return flat.length <= max ? flat : `${head(flat, max)}…`;
}
