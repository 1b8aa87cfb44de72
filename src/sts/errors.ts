/**
 * STS's errors as the AWS Query protocol answers them (`<ErrorResponse><Error><Type>Sender</Type>
 * <Code>..</Code><Message>..</Message></Error><RequestId>..</RequestId></ErrorResponse>`), with AWS's
 * names and statuses.
 */
export const stsErrors = {
  AccessDenied: 403,
  ValidationError: 400,
  MissingParameter: 400,
  InvalidAction: 400,
  InvalidParameterValue: 400,
  MalformedPolicyDocument: 400,
  RegionDisabledException: 403,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  IncompleteSignature: 400,
  MissingAuthenticationToken: 403,
  ExpiredToken: 400,
  RequestExpired: 400,
  UnsupportedProtocol: 400,
  RequestEntityTooLarge: 413,
  InternalFailure: 500,
} as const;

export type StsErrorCode = keyof typeof stsErrors;

export class StsError extends Error {
  readonly status: number;
  constructor(
    readonly code: StsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StsError';
    this.status = stsErrors[code];
  }
}
