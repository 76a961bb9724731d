// The controller's side of the digest salt: create the Secret when absent (any replica; the
// create is race-safe) and read it, retrying with backoff while the API server refuses.
import { ensureDigestSalt, type DigestSalt, type SecretRef } from "../../api/digest-salt.js";
import { Backoff, sleep } from "../../kube/backoff.js";
import { errorMessage, type Logger } from "../../kube/logger.js";
import type { RestClient } from "../../kube/rest-client.js";

export async function obtainDigestSalt(client: RestClient, ref: SecretRef, logger: Logger, signal?: AbortSignal): Promise<DigestSalt> {
  const backoff = new Backoff({ initialMs: 500, maxMs: 30_000, jitter: 0.2 });
  const key = `${ref.namespace}/${ref.name}`;
  for (;;) {
    try {
      const { salt, created } = await ensureDigestSalt(client, ref, signal);
      logger.info(created ? "digest salt created" : "digest salt read", { key, saltId: salt.id });
      return salt;
    } catch (error) {
      if (signal?.aborted === true) throw error;
      logger.warn("cannot create or read the digest salt; retrying", { key, error: errorMessage(error) });
    }
    await sleep(backoff.next(), signal);
  }
}
