// Errors a user can act on (bad flags, bad data, missing files). The entry point prints their message without a
// stack trace and exits non-zero; anything else is a bug and keeps its stack.
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A problem at a specific line of an input file. */
export class DataError extends CliError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string | null,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${field ? `field "${field}": ` : ""}${reason}`);
    this.name = "DataError";
  }
}
