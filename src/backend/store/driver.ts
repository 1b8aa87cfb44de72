/**
 * The little a store needs from a SQL database. Statements use PostgreSQL's `$1..$n` placeholders and a
 * dialect-neutral subset (TEXT, BIGINT, PRIMARY KEY, UNIQUE, REFERENCES, ON CONFLICT DO NOTHING,
 * RETURNING-free); the SQLite driver rewrites the placeholders.
 */
export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  query(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** Runs a statement and returns the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs several statements without parameters (migrations). */
  exec(tx: SqlExecutor, sql: string): Promise<void>;
  /** Serializes migrations between processes sharing the database (a no-op where a file lock does it). */
  lockMigrations(tx: SqlExecutor): Promise<void>;
  /**
   * The database's own consistency check: SQLite's quick_check (`quick`) or integrity_check (`full`);
   * on PostgreSQL a round trip (its pages carry checksums the server checks itself). Returns the problems
   * found, [] when none.
   */
  checkIntegrity(mode: 'quick' | 'full'): Promise<string[]>;
  close(): Promise<void>;
}
