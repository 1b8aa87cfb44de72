/**
 * Authentication failures, named with the AWS error codes every AWS query/REST service uses for them
 * (S3 API Reference "Error responses"; the same codes appear in SQS, IoT and KVS). The wire layer of
 * each service maps a code to its own status and body shape.
 */

export const authErrorCodes = [
  'AccessDenied',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'ExpiredToken',
  'InvalidToken',
  'RequestTimeTooSkewed',
  'AuthorizationHeaderMalformed',
  'AuthorizationQueryParametersError',
  'MissingSecurityHeader',
  'InvalidArgument',
  'InvalidRequest',
] as const;

export type AuthErrorCode = (typeof authErrorCodes)[number];

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}
