/**
 * Recursive-descent parser for the AWS IoT SQL subset, version 2016-03-23 (AWS IoT Developer Guide,
 * "AWS IoT SQL reference", "SELECT clause", "FROM clause", "WHERE clause", "Operators", "Functions"):
 *
 *   statement  := SELECT item (',' item)* FROM '<topic filter>' [WHERE expression]
 *   item       := '*' | expression [AS name]          -- AS is required unless the expression is a field
 *   expression := and (OR and)*
 *   and        := not (AND not)*
 *   not        := NOT not | comparison
 *   comparison := primary [('=' | '<>' | '!=' | '<' | '<=' | '>' | '>=') primary]
 *   primary    := literal | field ('.' field)* | function '(' [expression (',' expression)*] ')'
 *               | '(' expression ')'
 *
 * Every error is RULE_SQL_INVALID with the 1-based line and column of the offending token.
 */
import { CamlinkError } from '../../errors/camlink-error.js';
import type { Expression, SelectItem, Statement } from './ast.js';
import { sqlFunctions } from './functions.js';
import { Lexer, describeToken, syntaxError, type Punctuation, type Token } from './lexer.js';
import type { ComparisonOperator } from './operators.js';
import { topicFilterProblem } from './topic-filter.js';

/** Longest accepted statement, in UTF-8 bytes (AWS publishes no figure we could confirm; see docs/rules.md). */
export const SQL_MAX_BYTES = 4096;
/** Deepest nesting of parentheses, NOT and function arguments; keeps recursion far from the stack limit. */
export const EXPRESSION_MAX_DEPTH = 32;

const COMPARISONS: ReadonlyMap<Punctuation, ComparisonOperator> = new Map<Punctuation, ComparisonOperator>([
  ['=', '='],
  ['<>', '<>'],
  ['!=', '<>'],
  ['<', '<'],
  ['<=', '<='],
  ['>', '>'],
  ['>=', '>='],
]);

class Parser {
  readonly #lexer: Lexer;
  #token: Token;
  #depth = 0;

  constructor(
    readonly source: string,
    start = 0,
  ) {
    this.#lexer = new Lexer(source, start);
    this.#token = this.#lexer.next();
  }

  get token(): Token {
    return this.#token;
  }

  #advance(): Token {
    const current = this.#token;
    this.#token = this.#lexer.next();
    return current;
  }

  #fail(expected: string, token: Token = this.#token): CamlinkError {
    return syntaxError(this.source, token.offset, `expected ${expected}`, describeToken(token));
  }

  #isKeyword(word: string): boolean {
    return this.#token.kind === 'keyword' && this.#token.value === word;
  }

  #isPunct(value: Punctuation): boolean {
    return this.#token.kind === 'punct' && this.#token.value === value;
  }

  #expectKeyword(word: string): void {
    if (!this.#isKeyword(word)) throw this.#fail(word);
    this.#advance();
  }

  #expectPunct(value: Punctuation): Token {
    if (!this.#isPunct(value)) throw this.#fail(`"${value}"`);
    return this.#advance();
  }

  statement(): Statement {
    this.#expectKeyword('SELECT');
    const select: SelectItem[] = [this.#selectItem()];
    while (this.#isPunct(',')) {
      this.#advance();
      select.push(this.#selectItem());
    }
    if (!this.#isKeyword('FROM')) throw this.#fail(select.length === 1 ? 'FROM or ","' : 'FROM');
    this.#advance();
    const from = this.#topicFilter();
    let where: Expression | undefined;
    if (this.#isKeyword('WHERE')) {
      this.#advance();
      where = this.expression();
    }
    if (this.#token.kind !== 'eof')
      throw this.#fail(where === undefined ? 'WHERE or end of input' : 'end of input');
    return { select, from, where };
  }

  #selectItem(): SelectItem {
    if (this.#isPunct('*')) {
      this.#advance();
      return { kind: 'all' };
    }
    const start = this.#token;
    const expression = this.expression();
    if (this.#isKeyword('AS')) {
      this.#advance();
      const alias = this.#token;
      if (alias.kind !== 'identifier') throw this.#fail('an output name after AS');
      this.#advance();
      return { kind: 'expression', expression, name: alias.value };
    }
    if (expression.kind === 'field') {
      return { kind: 'expression', expression, name: expression.path[expression.path.length - 1] ?? '' };
    }
    throw syntaxError(
      this.source,
      start.offset,
      'expected AS <name> after an expression that is not a field',
    );
  }

  #topicFilter(): string {
    const token = this.#token;
    if (token.kind !== 'string' || token.quote !== "'") throw this.#fail('the topic filter in single quotes');
    const problem = topicFilterProblem(token.value);
    if (problem !== undefined)
      throw syntaxError(this.source, token.offset, `invalid topic filter: ${problem}`);
    this.#advance();
    return token.value;
  }

  #nested<T>(token: Token, parse: () => T): T {
    this.#depth += 1;
    if (this.#depth > EXPRESSION_MAX_DEPTH) {
      throw syntaxError(
        this.source,
        token.offset,
        `expressions nest deeper than ${EXPRESSION_MAX_DEPTH} levels`,
      );
    }
    const result = parse();
    this.#depth -= 1;
    return result;
  }

  expression(): Expression {
    let left = this.#and();
    while (this.#isKeyword('OR')) {
      this.#advance();
      left = { kind: 'or', left, right: this.#and() };
    }
    return left;
  }

  #and(): Expression {
    let left = this.#not();
    while (this.#isKeyword('AND')) {
      this.#advance();
      left = { kind: 'and', left, right: this.#not() };
    }
    return left;
  }

  #not(): Expression {
    if (!this.#isKeyword('NOT')) return this.#comparison();
    const token = this.#advance();
    return this.#nested(token, () => ({ kind: 'not', operand: this.#not() }));
  }

  #comparison(): Expression {
    const left = this.#primary();
    const op = this.#token.kind === 'punct' ? COMPARISONS.get(this.#token.value) : undefined;
    if (op === undefined) return left;
    this.#advance();
    return { kind: 'compare', op, left, right: this.#primary() };
  }

  #primary(): Expression {
    const token = this.#token;
    switch (token.kind) {
      case 'string':
      case 'number':
        this.#advance();
        return { kind: 'literal', value: token.value };
      case 'keyword':
        if (token.value === 'TRUE' || token.value === 'FALSE' || token.value === 'NULL') {
          this.#advance();
          return { kind: 'literal', value: token.value === 'NULL' ? null : token.value === 'TRUE' };
        }
        break;
      case 'punct':
        if (token.value === '(') {
          this.#advance();
          const inner = this.#nested(token, () => this.expression());
          this.#expectPunct(')');
          return inner;
        }
        break;
      case 'identifier':
        this.#advance();
        if (!token.quoted && this.#isPunct('(')) return this.#call(token);
        return this.#field(token.value);
      case 'eof':
        break;
    }
    throw this.#fail('a value, field, function call or "("');
  }

  #field(first: string): Expression {
    const path = [first];
    while (this.#isPunct('.')) {
      this.#advance();
      const next = this.#token;
      if (next.kind !== 'identifier') throw this.#fail('a field name after "."');
      this.#advance();
      path.push(next.value);
    }
    return { kind: 'field', path };
  }

  #call(nameToken: Token & { kind: 'identifier' }): Expression {
    const name = nameToken.value.toLowerCase();
    const fn = sqlFunctions.get(name);
    if (fn === undefined) {
      const known = [...sqlFunctions.keys()].sort().join(', ');
      throw syntaxError(
        this.source,
        nameToken.offset,
        `unknown function "${nameToken.value}" (supported: ${known})`,
      );
    }
    const open = this.#expectPunct('(');
    const args: Expression[] = [];
    if (!this.#isPunct(')')) {
      args.push(this.#nested(open, () => this.expression()));
      while (this.#isPunct(',')) {
        this.#advance();
        args.push(this.#nested(open, () => this.expression()));
      }
    }
    this.#expectPunct(')');
    if (args.length < fn.minArgs || args.length > fn.maxArgs) {
      const arity = fn.minArgs === fn.maxArgs ? `${fn.minArgs}` : `${fn.minArgs} to ${fn.maxArgs}`;
      throw syntaxError(
        this.source,
        nameToken.offset,
        `${name}() takes ${arity} argument${fn.maxArgs === 1 ? '' : 's'}, not ${args.length}`,
      );
    }
    const first = args[0];
    if (name === 'topic' && first?.kind === 'literal') {
      const n = first.value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
        throw syntaxError(this.source, nameToken.offset, 'topic(n) needs a whole number n of 1 or more');
      }
    }
    return { kind: 'call', name, args };
  }
}

/** Parses and checks a rule's SQL; throws RULE_SQL_INVALID with the position of the first error. */
export function compileSql(sql: string): Statement {
  const bytes = Buffer.byteLength(sql, 'utf8');
  if (bytes > SQL_MAX_BYTES) {
    throw new CamlinkError(
      'RULE_SQL_INVALID',
      `SQL statement is ${bytes} bytes; the limit is ${SQL_MAX_BYTES}`,
    );
  }
  return new Parser(sql).statement();
}

/**
 * Parses the expression of a substitution template that starts at `start` in `source` (just after
 * `${`) and its closing `}`; returns the expression and the offset after the `}`.
 */
export function parseEmbeddedExpression(
  source: string,
  start: number,
): { expression: Expression; end: number } {
  const parser = new Parser(source, start);
  const expression = parser.expression();
  const close = parser.token;
  if (close.kind !== 'punct' || close.value !== '}') {
    throw syntaxError(source, close.offset, 'expected "}"', describeToken(close));
  }
  return { expression, end: close.end };
}
