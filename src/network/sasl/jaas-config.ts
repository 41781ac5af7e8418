/**
 * `sasl.jaas.config`, read exactly as Java's JaasConfig reads it, so a properties file written
 * for the Java client means the same here:
 *
 *   <loginModuleClass> <controlFlag> (<optionName>=<optionValue>)* ;
 *
 * JaasConfig runs java.io.StreamTokenizer with `//` and `/* *\/` comments on and `-`, `_`, `$`
 * added to the word characters. What follows from that, and what this tokenizer reproduces:
 * - Whitespace is any character up to U+0020; newlines are whitespace like any other.
 * - A word starts with a letter, `_`, `$` or any character from U+00A0 up, and goes on over
 *   letters, digits, `.`, `-`, `_`, `$`: `org.apache.kafka...PlainLoginModule`, `alice`,
 *   `my-user.1` are bare words.
 * - A quoted value is in "double" or 'single' quotes, with Java's escapes (\n \t \r \b \f \a
 *   \v, \\ \" \', octal \0-\377; any other escaped character stands for itself). A quote that is
 *   not closed ends at the end of its line.
 * - Something starting with a digit, `.` or `-digit` is a number, which JaasConfig does not take
 *   as a value: quote it (`password="1234"`).
 * - A lone `/` comments out the rest of its line, as StreamTokenizer's comment character.
 * - Each entry ends with `;`; a value without the trailing `;` is an error, as in Java.
 * - An option given twice keeps its last value (JaasConfig's HashMap).
 *
 * A client has exactly one login module (Java's JaasContext: "should be 1 module"). The control
 * flag must be required, requisite, sufficient or optional (any case) and changes nothing with
 * one module.
 *
 * Errors are ConfigErrors naming `sasl.jaas.config`, the character offset and what was expected.
 * They never quote the value, nor describe what was found beyond its kind ("a word", "a symbol"):
 * the value holds passwords and client secrets, and a malformed one may have a secret anywhere.
 * (Java's own messages quote option names and control flags; with a password that contains an
 * unquoted `;`, that quotes part of the password.) Two inputs Java accepts are refused here,
 * both meaningless: an option whose name is not a word or a quoted string (Java stores it under
 * a null name), and a first token that is not one (Java fails later, on a null class name).
 */
import { ConfigError } from '../../errors.js';

export const SASL_JAAS_CONFIG = 'sasl.jaas.config';

export type JaasControlFlag = 'required' | 'requisite' | 'sufficient' | 'optional';

export interface JaasLoginModule {
  /** The login module's Java class name, e.g. org.apache.kafka.common.security.scram.ScramLoginModule. */
  readonly loginModule: string;
  readonly controlFlag: JaasControlFlag;
  /** The options in the order first written; a repeated option holds its last value. */
  readonly options: ReadonlyMap<string, string>;
}

// StreamTokenizer's character classes.
const WHITESPACE = 1;
const DIGIT = 2;
const ALPHA = 4;
const QUOTE = 8;
const COMMENT = 16;

const CTYPE = ((): Uint8Array => {
  const t = new Uint8Array(256);
  const set = (lo: number, hi: number, bits: number): void => {
    for (let c = lo; c <= hi; c++) t[c]! |= bits;
  };
  const ch = (s: string): number => s.charCodeAt(0);
  set(ch('a'), ch('z'), ALPHA);
  set(ch('A'), ch('Z'), ALPHA);
  set(160, 255, ALPHA);
  set(0, 32, WHITESPACE);
  t[ch('/')] = COMMENT;
  t[ch('"')] = QUOTE;
  t[ch("'")] = QUOTE;
  set(ch('0'), ch('9'), DIGIT);
  t[ch('.')]! |= DIGIT;
  t[ch('-')]! |= DIGIT;
  // JaasConfig's wordChars('-'), ('_'), ('$'): `-` is then both (the number check comes first).
  for (const c of '-_$') t[ch(c)]! |= ALPHA;
  return t;
})();

const ctypeOf = (c: number): number => (c < 0 ? WHITESPACE : c < 256 ? CTYPE[c]! : ALPHA);

const EOF = -1;
const NUMBER = -2;
const WORD = -3;
/** "Nothing read ahead" (StreamTokenizer's SKIP_LF/NEED_CHAR both mean this here: no EOL significance). */
const NOTHING = -4;

const BACKSLASH = 92;
const SLASH = 47;
const STAR = 42;
const LF = 10;
const CR = 13;
const SEMICOLON = 59;
const EQUALS = 61;

/** java.io.StreamTokenizer as JaasConfig configures it, over UTF-16 code units. */
class JaasTokenizer {
  readonly #text: string;
  #pos = 0;
  #peek = NOTHING;
  /** The current token: EOF, NUMBER, WORD, or the character (a quote character for a quoted string). */
  ttype = NOTHING;
  /** The word or the quoted string's contents; null for other tokens. */
  sval: string | null = null;
  /** Where the current token starts (its first character; the value's length at EOF). */
  start = 0;

  constructor(text: string) {
    this.#text = text;
  }

  #read(): number {
    return this.#pos < this.#text.length ? this.#text.charCodeAt(this.#pos++) : EOF;
  }

  nextToken(): number {
    this.sval = null;
    let c = this.#peek;
    if (c === NOTHING) c = this.#read();
    this.#peek = NOTHING;
    this.start = this.#pos - 1;
    if (c === EOF) return this.#end();
    let ctype = ctypeOf(c);
    while ((ctype & WHITESPACE) !== 0) {
      c = this.#read();
      if (c === EOF) return this.#end();
      this.start = this.#pos - 1;
      ctype = ctypeOf(c);
    }

    if ((ctype & DIGIT) !== 0) {
      if (c === 45 /* - */) {
        c = this.#read();
        if (c !== 46 && (c < 48 || c > 57)) {
          this.#peek = c;
          return (this.ttype = 45);
        }
      }
      let seenDot = false;
      for (;;) {
        if (c === 46 && !seenDot) seenDot = true;
        else if (c < 48 || c > 57) break;
        c = this.#read();
      }
      this.#peek = c;
      return (this.ttype = NUMBER);
    }

    if ((ctype & ALPHA) !== 0) {
      let word = '';
      do {
        word += String.fromCharCode(c);
        c = this.#read();
      } while ((ctypeOf(c) & (ALPHA | DIGIT)) !== 0);
      this.#peek = c;
      this.sval = word;
      return (this.ttype = WORD);
    }

    if ((ctype & QUOTE) !== 0) {
      const quote = c;
      let value = '';
      let d = this.#read();
      while (d >= 0 && d !== quote && d !== LF && d !== CR) {
        if (d === BACKSLASH) {
          const first = (c = this.#read());
          if (c >= 48 && c <= 55) {
            c -= 48;
            let c2 = this.#read();
            if (c2 >= 48 && c2 <= 55) {
              c = (c << 3) + (c2 - 48);
              c2 = this.#read();
              if (c2 >= 48 && c2 <= 55 && first <= 51) {
                c = (c << 3) + (c2 - 48);
                d = this.#read();
              } else d = c2;
            } else d = c2;
          } else {
            c = ESCAPES[c] ?? c;
            d = this.#read();
          }
        } else {
          c = d;
          d = this.#read();
        }
        // Java stores (char) c: a backslash at the very end stores (char) -1, U+FFFF.
        value += String.fromCharCode(c & 0xffff);
      }
      this.#peek = d === quote ? NOTHING : d;
      this.sval = value;
      return (this.ttype = quote);
    }

    if (c === SLASH) {
      c = this.#read();
      if (c === STAR) {
        let prev = 0;
        while ((c = this.#read()) !== SLASH || prev !== STAR) {
          if (c === EOF) return this.#end();
          prev = c;
        }
        return this.nextToken();
      }
      // `//`, or a lone `/` (StreamTokenizer's comment character): the rest of the line goes.
      // The character after a lone `/` is consumed first, newline or not, as Java does.
      if (c !== EOF) while ((c = this.#read()) !== LF && c !== CR && c !== EOF);
      this.#peek = c;
      return this.nextToken();
    }

    return (this.ttype = c);
  }

  #end(): number {
    this.start = this.#text.length;
    return (this.ttype = EOF);
  }

  /** What the current token is, without a character of its content. */
  describe(): string {
    switch (this.ttype) {
      case EOF:
        return 'the end of the value';
      case NUMBER:
        return 'a number';
      case WORD:
        return 'a word';
      case 34:
      case 39:
        return 'a quoted string';
      default:
        return 'a symbol';
    }
  }
}

const ESCAPES: Readonly<Record<number, number>> = { 97: 7, 98: 8, 102: 12, 110: 10, 114: 13, 116: 9, 118: 11 };

const CONTROL_FLAGS: readonly JaasControlFlag[] = ['required', 'requisite', 'sufficient', 'optional'];

function malformed(tokenizer: JaasTokenizer, expected: string): ConfigError {
  return new ConfigError(SASL_JAAS_CONFIG, `malformed at offset ${tokenizer.start}: expected ${expected}, found ${tokenizer.describe()}`);
}

/** Every entry of a JAAS configuration value, as JaasConfig parses it. */
export function parseJaasEntries(text: string): JaasLoginModule[] {
  const tokenizer = new JaasTokenizer(text);
  const entries: JaasLoginModule[] = [];
  while (tokenizer.nextToken() !== EOF) entries.push(parseEntry(tokenizer));
  return entries;
}

function parseEntry(t: JaasTokenizer): JaasLoginModule {
  const loginModule = t.sval;
  if (loginModule === null) throw malformed(t, 'a login module class name');
  t.nextToken();
  const flag = t.sval?.toLowerCase();
  if (flag === undefined || !(CONTROL_FLAGS as readonly string[]).includes(flag)) {
    throw malformed(t, 'a control flag (required, requisite, sufficient or optional) after the login module name');
  }
  const options = new Map<string, string>();
  while (t.nextToken() !== EOF && t.ttype !== SEMICOLON) {
    const key = t.sval;
    if (key === null) throw malformed(t, "an option name, or ';' to end the entry");
    if (t.nextToken() !== EQUALS) throw malformed(t, `'=' after the option name`);
    if (t.nextToken() === EOF || t.sval === null) throw malformed(t, 'a value (a quoted string, or a word starting with a letter) after =');
    options.set(key, t.sval);
  }
  if (t.ttype !== SEMICOLON) throw malformed(t, "';' to end the login module entry");
  return { loginModule, controlFlag: flag as JaasControlFlag, options };
}

/** The one login module of a client's sasl.jaas.config (Java's JaasContext.loadClientContext). */
export function parseJaasConfig(text: string): JaasLoginModule {
  const entries = parseJaasEntries(text);
  if (entries.length === 0) throw new ConfigError(SASL_JAAS_CONFIG, 'no login module: expected e.g. org.apache.kafka.common.security.plain.PlainLoginModule required username="..." password="...";');
  if (entries.length !== 1) throw new ConfigError(SASL_JAAS_CONFIG, `contains ${entries.length} login modules; a client takes exactly 1`);
  return entries[0]!;
}
