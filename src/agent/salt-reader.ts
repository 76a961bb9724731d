// The agent's copy of the cluster's digest salt: read once at start, retried with backoff
// until the controller has created it. Until then the node status carries a heartbeat and no
// digests, so the controller waits for this node instead of confirming anything on it.
import { readDigestSalt, type SecretRef } from "../api/digest-salt.js";
import { Backoff, sleep } from "../kube/backoff.js";
import { errorMessage, type Logger } from "../kube/logger.js";
import type { RestClient } from "../kube/rest-client.js";
import type { NodeState } from "./node-state.js";

export async function readSaltUntilFound(client: RestClient, ref: SecretRef, state: NodeState, logger: Logger, signal: AbortSignal): Promise<void> {
  const backoff = new Backoff({ initialMs: 500, maxMs: 30_000, jitter: 0.2 });
  const key = `${ref.namespace}/${ref.name}`;
  while (!signal.aborted) {
    try {
      const salt = await readDigestSalt(client, ref, signal);
      if (salt !== undefined) {
        state.setSalt(salt);
        logger.info("digest salt read", { key, saltId: salt.id });
        return;
      }
      if (backoff.attempts % 10 === 0) logger.info("digest salt not created yet; reporting no digests until it is", { key });
    } catch (error) {
      if (signal.aborted) return;
      logger.warn("cannot read the digest salt", { key, error: errorMessage(error) });
    }
    await sleep(backoff.next(), signal);
  }
}
