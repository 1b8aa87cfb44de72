/**
 * Tokens of the AWS IoT SQL subset (AWS IoT Developer Guide, "AWS IoT SQL reference": SELECT, FROM and
 * WHERE clauses, "Literals", "Operators"; SQL version 2016-03-23). The lexer is pulled one token at a
 * time so that a substitution template can stop at the `}` closing `${expression}`.
 */
import { CamlinkError } from '../../errors/camlink-error.js';

/** Words with a meaning in the grammar; matched case-insensitively, stored upper case. */
export const KEYWORDS = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AS',
  'AND',
  'OR',
  'NOT',
  'TRUE',
  'FALSE',
  'NULL',
]);

export type Punctuation = '*' | ',' | '(' | ')' | '.' | '}' | '=' | '<>' | '!=' | '<' | '<=' | '>' | '>=';

export type Token =
  | { kind: 'keyword'; value: string; offset: number; end: number }
  | { kind: 'identifier'; value: string; quoted: boolean; offset: number; end: number }
  | { kind: 'string'; value: string; quote: "'" | '"'; offset: number; end: number }
  | { kind: 'number'; value: number; offset: number; end: number }
  | { kind: 'punct'; value: Punctuation; offset: number; end: number }
  | { kind: 'eof'; offset: number; end: number };

/** 1-based line and column (in code points) of `offset` in `source`. */
export function positionOf(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const lastBreak = before.lastIndexOf('\n');
  const line = before.split('\n').length;
  const column = [...before.slice(lastBreak + 1)].length + 1;
  return { line, column };
}

/** A RULE_SQL_INVALID error whose message ends with the 1-based position of `offset`. */
export function syntaxError(source: string, offset: number, message: string, found?: string): CamlinkError {
  const { line, column } = positionOf(source, offset);
  const suffix = found === undefined ? '' : `, found ${found}`;
  return new CamlinkError('RULE_SQL_INVALID', `${message} at line ${line}, column ${column}${suffix}`, {
    details: { line, column, offset },
  });
}

/** How a token reads in an error message. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'end of input';
    case 'string':
      return `string ${token.quote}${shorten(token.value)}${token.quote}`;
    case 'number':
      return `number ${token.value}`;
    case 'identifier':
      return `"${shorten(token.value)}"`;
    case 'keyword':
    case 'punct':
      return token.value;
  }
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

const IDENTIFIER_START = /[A-Za-z_]/u;
const IDENTIFIER_PART = /[A-Za-z0-9_]/u;
const NUMBER = /-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/uy;
const TWO_CHAR_OPERATORS = new Set(['<>', '!=', '<=', '>=']);
const ONE_CHAR_PUNCTUATION = new Set(['*', ',', '(', ')', '.', '}', '=', '<', '>']);

export class Lexer {
  #offset: number;

  constructor(
    readonly source: string,
    start = 0,
  ) {
    this.#offset = start;
  }

  /** The next token; throws RULE_SQL_INVALID on a character no token can start with. */
  next(): Token {
    const src = this.source;
    while (this.#offset < src.length && ' \t\r\n'.includes(src.charAt(this.#offset))) this.#offset += 1;
    const start = this.#offset;
    if (start >= src.length) return { kind: 'eof', offset: start, end: start };
    const ch = src.charAt(start);

    if (ch === "'" || ch === '"') return this.#quoted(ch, start);
    if (ch === '`') return this.#backtickIdentifier(start);
    if (IDENTIFIER_START.test(ch)) {
      let end = start + 1;
      while (end < src.length && IDENTIFIER_PART.test(src.charAt(end))) end += 1;
      this.#offset = end;
      const word = src.slice(start, end);
      const upper = word.toUpperCase();
      if (KEYWORDS.has(upper)) return { kind: 'keyword', value: upper, offset: start, end };
      return { kind: 'identifier', value: word, quoted: false, offset: start, end };
    }
    NUMBER.lastIndex = start;
    const number = NUMBER.exec(src);
    if (number !== null) {
      const value = Number(number[0]);
      if (!Number.isFinite(value)) throw syntaxError(src, start, `number ${number[0]} is out of range`);
      this.#offset = start + number[0].length;
      return { kind: 'number', value, offset: start, end: this.#offset };
    }
    const two = src.slice(start, start + 2);
    if (TWO_CHAR_OPERATORS.has(two)) {
      this.#offset = start + 2;
      return { kind: 'punct', value: two as Punctuation, offset: start, end: this.#offset };
    }
    if (ONE_CHAR_PUNCTUATION.has(ch)) {
      this.#offset = start + 1;
      return { kind: 'punct', value: ch as Punctuation, offset: start, end: this.#offset };
    }
    const shown = String.fromCodePoint(src.codePointAt(start) ?? 0);
    throw syntaxError(src, start, `unexpected character ${JSON.stringify(shown)}`);
  }

  /** 'text' or "text"; a doubled quote stands for one quote character. */
  #quoted(quote: "'" | '"', start: number): Token {
    const src = this.source;
    let value = '';
    let index = start + 1;
    for (;;) {
      const end = src.indexOf(quote, index);
      if (end < 0) throw syntaxError(src, start, 'unterminated string');
      value += src.slice(index, end);
      if (src.charAt(end + 1) === quote) {
        value += quote;
        index = end + 2;
        continue;
      }
      this.#offset = end + 1;
      return { kind: 'string', value, quote, offset: start, end: this.#offset };
    }
  }

  /** `name` for field names that are keywords or hold other characters; `` doubled is one backtick. */
  #backtickIdentifier(start: number): Token {
    const src = this.source;
    let value = '';
    let index = start + 1;
    for (;;) {
      const end = src.indexOf('`', index);
      if (end < 0) throw syntaxError(src, start, 'unterminated quoted identifier');
      value += src.slice(index, end);
      if (src.charAt(end + 1) === '`') {
        value += '`';
        index = end + 2;
        continue;
      }
      if (value.length === 0) throw syntaxError(src, start, 'empty quoted identifier');
      this.#offset = end + 1;
      return { kind: 'identifier', value, quoted: true, offset: start, end: this.#offset };
    }
  }
}
