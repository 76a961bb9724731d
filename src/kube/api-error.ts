// A request the API server refused, with what its metav1.Status says, so that
// callers can tell "not there" (404), "someone else changed it" (409),
// "your resourceVersion is too old" (410), "invalid" (422) and "not allowed"
// (403) apart without parsing messages.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** metav1.Status, as the API server sends it with every error. */
export interface Status {
  kind?: "Status";
  apiVersion?: string;
  status?: "Success" | "Failure";
  message?: string;
  /** NotFound, AlreadyExists, Conflict, Invalid, Forbidden, Expired, Gone, ... */
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

export class ApiError extends Error {
  override readonly name = "ApiError";
  /** HTTP status code. */
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;

  constructor(
    code: number,
    readonly status: Status,
    /** What was asked, e.g. "GET /api/v1/namespaces/x/configmaps/y". */
    readonly request: string,
  ) {
    super(`${request}: ${code} ${status.reason ?? ""}: ${status.message ?? "(no message)"}`.replace(/ {2}/g, " "));
    this.code = code;
    this.reason = status.reason ?? "";
    this.details = status.details;
  }

  get causes(): StatusCause[] {
    return this.details?.causes ?? [];
  }

  /** Builds the error from a response body, which is a Status unless a proxy answered. */
  static fromResponse(code: number, body: string, request: string): ApiError {
    return new ApiError(code, parseStatus(code, body), request);
  }
}

export function isStatus(value: unknown): value is Status {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "Status";
}

function parseStatus(code: number, body: string): Status {
  try {
    const parsed: unknown = JSON.parse(body);
    if (isStatus(parsed)) return parsed;
  } catch {
    // Not JSON: an HTML error page, a proxy's text.
  }
  return { kind: "Status", status: "Failure", code, message: body.trim().slice(0, 500) || `HTTP ${code}` };
}

function hasCode(err: unknown, code: number): boolean {
  return err instanceof ApiError && err.code === code;
}

export const isNotFound = (err: unknown): boolean => hasCode(err, 404);
export const isConflict = (err: unknown): boolean => hasCode(err, 409);
export const isForbidden = (err: unknown): boolean => hasCode(err, 403);
export const isInvalid = (err: unknown): boolean => hasCode(err, 422);
/** 410: a watch or a list continuation asked for a resourceVersion that is compacted away. */
export const isGone = (err: unknown): boolean => hasCode(err, 410);
/** 409 with reason AlreadyExists (as opposed to a resourceVersion conflict). */
export const isAlreadyExists = (err: unknown): boolean => hasCode(err, 409) && (err as ApiError).reason === "AlreadyExists";
