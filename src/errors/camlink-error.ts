/** Typed error carrying a stable code from the registry (see registry.ts and docs/errors.md). */
import { errorRegistry, type ErrorCode } from './registry.js';

export class CamlinkError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CamlinkError';
    this.code = code;
    const spec = errorRegistry[code];
    this.status = spec.status;
    this.retryable = spec.retryable;
    this.details = options?.details;
  }
}

export function isCamlinkError(err: unknown, code?: ErrorCode): err is CamlinkError {
  return err instanceof CamlinkError && (code === undefined || err.code === code);
}

/** Node system errors (ENOENT, EEXIST...) carry a string `code`; narrow to it without `any`. */
export function systemErrorCode(err: unknown): string | undefined {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}
