/**
 * A secret configuration value (Java's `config.types.Password`): key-store passwords, inline
 * private keys. It prints as `[hidden]` in every way a value gets printed by accident — String(),
 * template literals, JSON.stringify, console.log / util.inspect — so settings that carry secrets
 * can be logged or attached to an error without leaking them. Only `value()` gives the secret.
 */
export class Password {
  static readonly HIDDEN = '[hidden]';
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself: for the code that uses it, never for messages. */
  value(): string {
    return this.#value;
  }

  toString(): string {
    return Password.HIDDEN;
  }

  toJSON(): string {
    return Password.HIDDEN;
  }

  // Node's and Bun's console.log / util.inspect look for this symbol; no node: import needed.
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return Password.HIDDEN;
  }
}
