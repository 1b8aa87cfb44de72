/**
 * IAM's errors as the AWS Query protocol answers them (`<ErrorResponse><Error><Type>Sender</Type>
 * <Code>..</Code><Message>..</Message></Error><RequestId>..</RequestId></ErrorResponse>`), with the
 * names and HTTP statuses of the IAM API Reference (operation errors and common errors).
 */
export const iamErrors = {
  NoSuchEntity: 404,
  EntityAlreadyExists: 409,
  DeleteConflict: 409,
  LimitExceeded: 409,
  MalformedPolicyDocument: 400,
  InvalidInput: 400,
  UnmodifiableEntity: 400,
  ServiceFailure: 500,
  ValidationError: 400,
  AccessDenied: 403,
  InvalidAction: 400,
  MissingAction: 400,
  MissingParameter: 400,
  InvalidParameterValue: 400,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  IncompleteSignature: 400,
  MissingAuthenticationToken: 403,
  ExpiredToken: 403,
  UnsupportedProtocol: 400,
  RequestEntityTooLarge: 413,
} as const;

export type IamErrorCode = keyof typeof iamErrors;

export class IamError extends Error {
  readonly status: number;
  constructor(
    readonly code: IamErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'IamError';
    this.status = iamErrors[code];
  }
}
