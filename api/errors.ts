// Typed API errors and the one error body every failure is rendered as.

export interface ErrorDetail {
  /** The offending field, as a dotted path inside its part of the request (`message`, `filters.service`). */
  field?: string;
  /** Which part of the request: body, query, params, headers. */
  in?: string;
  message: string;
}

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details: ErrorDetail[];
    requestId?: string;
  };
}

export class AppError extends Error {
  override name = 'AppError';
  readonly statusCode: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  constructor(statusCode: number, code: string, message: string, details: ErrorDetail[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.statusCode = statusCode;
    this.code = code;
    this.details = details;
  }
}

export const notFound = (what: string, id: string) => new AppError(404, 'not_found', `${what} ${id} was not found`);

export const serviceUnavailable = (what: string, cause: unknown) =>
  new AppError(503, `${what}_unavailable`, `${what} is unavailable; try again shortly`, [], { cause });
