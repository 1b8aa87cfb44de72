/**
 * AWS IoT control-plane errors (restJson1): the error type travels in the x-amzn-ErrorType header
 * and the body {"message"}; the SDK maps the type to its exception class. Statuses per the IoT API
 * reference "Errors" of each operation.
 */
export const iotErrorStatus = {
  InvalidRequestException: 400,
  CertificateValidationException: 400,
  RegistrationCodeValidationException: 400,
  /** A topic rule's SQL the rules engine cannot parse (CreateTopicRule, ReplaceTopicRule). */
  SqlParseException: 400,
  UnauthorizedException: 401,
  ForbiddenException: 403,
  /** IAM's refusal of an action (an assumed role whose policy does not allow it). */
  AccessDeniedException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  /** No Authorization header and no X-Amz-Signature: AWS's front end answers "Missing Authentication Token". */
  MissingAuthenticationTokenException: 403,
  ResourceNotFoundException: 404,
  /** An operation this API does not serve (AWS's front end answers an unknown operation so). */
  UnknownOperationException: 404,
  CertificateStateException: 406,
  ResourceAlreadyExistsException: 409,
  DeleteConflictException: 409,
  VersionConflictException: 409,
  LimitExceededException: 410,
  RequestEntityTooLargeException: 413,
  ThrottlingException: 429,
  InternalFailureException: 500,
  ServiceUnavailableException: 503,
} as const;

export type IotErrorType = keyof typeof iotErrorStatus;

export class IotApiError extends Error {
  readonly status: number;
  constructor(
    readonly type: IotErrorType,
    message: string,
  ) {
    super(message);
    this.name = type;
    this.status = iotErrorStatus[type];
  }
}
