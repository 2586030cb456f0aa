/** The error names the kafkaconnect service model declares, with their HTTP status. */
export const ERROR_STATUS = {
  BadRequestException: 400,
  UnauthorizedException: 401,
  ForbiddenException: 403,
  NotFoundException: 404,
  ConflictException: 409,
  TooManyRequestsException: 429,
  InternalServerErrorException: 500,
  ServiceUnavailableException: 503,
  // Not in the service model but answered by AWS's front door: IAM denial and throttling.
  AccessDeniedException: 403,
  ThrottlingException: 429,
} as const;

export type AwsErrorType = keyof typeof ERROR_STATUS;

/**
 * An AWS restJson1 error: the SDK reads its type from the `x-amzn-ErrorType`
 * header and the message from the body's `message`.
 */
export class AwsHttpError extends Error {
  readonly status: number;

  constructor(
    readonly type: AwsErrorType,
    message: string,
  ) {
    super(message);
    this.name = type;
    this.status = ERROR_STATUS[type];
  }
}

/** 400 BadRequestException, the answer to a request that breaks the API's constraints. */
export function badRequest(message: string): AwsHttpError {
  return new AwsHttpError('BadRequestException', message);
}

/** AWS's wording for a request member that fails a constraint. */
export function validationError(field: string, value: unknown, constraint: string): AwsHttpError {
  const shown = value === undefined || value === null ? 'null' : JSON.stringify(value);
  return badRequest(`1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`);
}

/** 404 for an ARN the service does not know. */
export function connectorNotFound(arn: string): AwsHttpError {
  return new AwsHttpError('NotFoundException', `The resource ${arn} can't be found.`);
}
