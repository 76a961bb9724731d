// The API server's answer to a rejected request, as a metav1.Status, from the
// exception @kubernetes/client-node throws.
import { ApiException, type V1Status } from "@kubernetes/client-node";

export interface RejectedRequest {
  code: number;
  status: V1Status;
}

/** Awaits a request that must fail and returns the Status the server sent. */
export async function rejection(request: Promise<unknown>): Promise<RejectedRequest> {
  try {
    await request;
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const body: unknown = typeof err.body === "string" ? parseJson(err.body) : err.body;
    const status = (body && typeof body === "object" ? body : { message: String(err.body ?? err.message) }) as V1Status;
    return { code: err.code, status };
  }
  throw new Error("the request succeeded but was expected to be rejected");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

/** True when the server answered 404, for clean-up and "is it gone" checks. */
export function isNotFound(err: unknown): boolean {
  return err instanceof ApiException && err.code === 404;
}
