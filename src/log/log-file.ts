/**
 * A size-capped log file: lines are appended (synchronously, like pino's stderr) to FILE until the next
 * one would take it past maxBytes; FILE then becomes FILE.1 (replacing the older one) and a new FILE
 * starts. So at most about twice maxBytes stay on disk: the current file and the previous one. The file
 * is created 0600 in a 0700 directory (logs name devices, users and paths, though secrets are redacted).
 * The constructor throws when the file cannot be opened.
 * A write that fails (disk full) is reported once through `onError` and later lines are dropped: logging
 * never stops the platform.
 */
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** 10 MiB per file, two files: the current one and FILE.1. */
export const LOG_FILE_MAX_BYTES = 10 * 1024 * 1024;

export class SizeCappedLogFile {
  readonly path: string;
  readonly maxBytes: number;
  readonly #onError: (err: Error) => void;
  #fd: number | undefined;
  #size = 0;

  constructor(path: string, options: { maxBytes?: number; onError?: (err: Error) => void } = {}) {
    this.path = path;
    this.maxBytes = options.maxBytes ?? LOG_FILE_MAX_BYTES;
    this.#onError = options.onError ?? (() => undefined);
    // The directories above as the data-dir lock makes the data dir (0755), the log directory 0700.
    const dir = dirname(path);
    mkdirSync(dirname(dir), { recursive: true, mode: 0o755 });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.#open();
  }

  /** Appends one line (pino's, newline included); a line of its own above maxBytes is still written. */
  write(line: string): void {
    if (this.#fd === undefined) return;
    const bytes = Buffer.byteLength(line);
    try {
      if (this.#size > 0 && this.#size + bytes > this.maxBytes) this.#rotate();
      if (this.#fd === undefined) return;
      writeSync(this.#fd, line);
      this.#size += bytes;
    } catch (err) {
      this.#fail(err);
    }
  }

  close(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    closeSync(fd);
  }

  #open(): void {
    const fd = openSync(this.path, 'a', 0o600);
    this.#fd = fd;
    this.#size = fstatSync(fd).size;
  }

  #rotate(): void {
    this.close();
    renameSync(this.path, `${this.path}.1`);
    this.#open();
  }

  #fail(err: unknown): void {
    if (this.#fd !== undefined) {
      try {
        this.close();
      } catch {
        // already failing: the first error is the one reported
      }
    }
    this.#fd = undefined;
    this.#onError(err instanceof Error ? err : new Error(String(err)));
  }
}
