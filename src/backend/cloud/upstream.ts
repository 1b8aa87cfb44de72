/** Errors of calls to AWS-compatible services, coded and without credentials or signatures. */
import { CamlinkError } from '../../errors/camlink-error.js';

/** A failed call to an AWS-compatible service, without its credentials or signature. */
export function upstream(what: string, err: unknown): CamlinkError {
  const name = err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  return new CamlinkError('UPSTREAM_FAILED', `${what} failed: ${name}: ${message}`, { cause: err });
}
