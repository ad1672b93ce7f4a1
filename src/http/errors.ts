/** An answer other than success, with the contract's JSON body. Thrown anywhere, sent by the error handler. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.detail === 'string' ? body.detail : `HTTP ${statusCode}`);
  }
}

export const detail = (statusCode: number, message: string, headers?: Record<string, string>) =>
  new ApiError(statusCode, { detail: message }, headers);

export const notFound = () => detail(404, 'Not found.');
export const methodNotAllowed = (method: string, allow: string) =>
  detail(405, `Method "${method}" not allowed.`, { allow });
export const notAcceptable = () => detail(406, 'Could not satisfy the request Accept header.');
export const unsupportedMediaType = (contentType: string) =>
  detail(415, `Unsupported media type "${contentType}" in request.`);
export const databaseUnavailable = () =>
  detail(503, 'The database is unavailable. Try again shortly.', { 'retry-after': '1' });

/** Django's reason phrases, for the log line of every 4xx/5xx answer. */
export const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
