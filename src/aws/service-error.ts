/**
 * Errors of AWS SDK calls: the service's error name (ResourceNotFoundException, NoSuchBucket...), and
 * the CamlinkError a failed call becomes (refused 4xx, missing credentials, or unreachable / 5xx).
 */
import { CamlinkError } from '../errors/camlink-error.js';

export interface ServiceErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly httpStatus: number | undefined;
}

export function serviceErrorOf(err: unknown): ServiceErrorInfo {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), httpStatus: undefined };
  const meta = '$metadata' in err ? err.$metadata : undefined;
  const status =
    typeof meta === 'object' && meta !== null && 'httpStatusCode' in meta ? meta.httpStatusCode : undefined;
  return {
    name: err.name,
    message: err.message,
    httpStatus: typeof status === 'number' ? status : undefined,
  };
}

export function hasErrorName(err: unknown, ...names: string[]): boolean {
  return names.includes(serviceErrorOf(err).name);
}

/** One line for a failed call: "GetPolicy: AccessDeniedException: ...". */
export function describeServiceError(operation: string, err: unknown): string {
  const e = serviceErrorOf(err);
  return `${operation}: ${e.name}${e.message && e.message !== e.name ? `: ${e.message}` : ''}`;
}

export function toCamlinkError(operation: string, err: unknown): CamlinkError {
  if (err instanceof CamlinkError) return err;
  const e = serviceErrorOf(err);
  if (e.name === 'CredentialsProviderError') {
    return new CamlinkError(
      'AWS_CREDENTIALS_MISSING',
      `no AWS credentials (${e.message}); pass --profile, set AWS_PROFILE or AWS_ACCESS_KEY_ID, or use --embedded`,
      { cause: err },
    );
  }
  if (e.httpStatus !== undefined && e.httpStatus >= 400 && e.httpStatus < 500) {
    return new CamlinkError('AWS_REQUEST_REFUSED', describeServiceError(operation, err), { cause: err });
  }
  return new CamlinkError('UPSTREAM_FAILED', describeServiceError(operation, err), { cause: err });
}
