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
