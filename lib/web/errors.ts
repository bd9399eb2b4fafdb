import type { RejectionReason } from "../ops/limits.ts";

/** Machine-readable error codes that the HTTP API can answer with. */
export type ErrorCode =
  | "bad_request"
  | "forbidden"
  | "invalid_json"
  | "validation_failed"
  | "not_found"
  | "method_not_allowed"
  | "payload_too_large"
  | "unsupported_media_type"
  | "too_many_requests"
  | "service_unavailable"
  | "internal_error";

/** One problem found while validating input, as shown to API clients. */
export interface ErrorIssue {
  path: string;
  message: string;
}

/** Options for {@linkcode HttpError}. */
export interface HttpErrorOptions {
  /** Machine-readable code; derived from the status when omitted. */
  code?: ErrorCode;
  /** Field-level problems, for validation errors. */
  issues?: ErrorIssue[];
  cause?: unknown;
  /** Set when a limit or policy refused the request: logged and counted once, by this reason. */
  reason?: RejectionReason;
  /** Seconds to wait before trying again, sent as `Retry-After`. */
  retryAfterSeconds?: number;
}

const CODES_BY_STATUS: Record<number, ErrorCode> = {
  400: "bad_request",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "too_many_requests",
  503: "service_unavailable",
};

/** The one error type handlers throw; `lib/app.ts` turns it into a response. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly issues?: ErrorIssue[];
  readonly reason?: RejectionReason;
  readonly retryAfterSeconds?: number;

  constructor(status: number, message: string, options: HttpErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "HttpError";
    this.status = status;
    this.code = options.code ?? CODES_BY_STATUS[status] ?? "internal_error";
    this.issues = options.issues;
    this.reason = options.reason;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The JSON body of every API error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; issues?: ErrorIssue[] };
}

/** Builds the JSON body for an {@linkcode HttpError}. */
export function errorBody(error: HttpError): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.issues ? { issues: error.issues } : {}),
    },
  };
}
