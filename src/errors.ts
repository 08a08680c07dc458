// Typed errors: each carries where the fault is, so the CLI can print it and exit non-zero.

/** Bad input data: a file, row, column or value at fault. */
export class DataError extends Error {
  constructor(message: string, readonly where: { file?: string; row?: number; column?: string } = {}) {
    super(message);
    this.name = 'DataError';
  }
}

/** A model specification or option that cannot be honoured. */
export class SpecError extends Error {
  constructor(message: string, readonly option?: string) {
    super(message);
    this.name = 'SpecError';
  }
}

/** A numerical condition worth reporting (singular weight matrix, dropped regressor); not fatal. */
export class NumericWarning {
  constructor(readonly message: string) {}
  toString(): string {
    return this.message;
  }
}
