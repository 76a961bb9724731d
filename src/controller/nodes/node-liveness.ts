// Which node agents are alive, by their heartbeats as this process saw them change, and the
// clean-up of SeccompNodeStatus objects of nodes that are gone.
import { NODE_STATUS_RESOURCE } from "../../api/resources.js";
import { errorMessage } from "../../kube/logger.js";
import { Signal, type Manager } from "../../kube/manager.js";
import { NODE_STATUSES, NODES } from "../controller-caches.js";
import type { SeccompNodeStatus } from "../../api/node-status.js";

export interface NodeLiveness {
  /**
   * How long ago this process saw a node's heartbeat change, by its monotonic clock: neither the
   * node's clock nor a step of this one's wall clock (NTP) can make a dead agent look alive or
   * a live one dead.
   */
  heartbeatAge(node: string): number | undefined;
  /** Emitted when the set of live nodes changes (an agent went silent or came back). */
  readonly changed: Signal<void>;
}

/**
 * Tracks heartbeats on every replica (so a new leader knows them); the leader checks every
 * 10 s whether the set of live nodes changed, and deletes the status of a node that no longer
 * exists once its agent is silent too.
 */
export function setupNodeLiveness(manager: Manager, options: { staleAfterMs: number }): NodeLiveness {
  const nodeStatuses = manager.cache(NODE_STATUSES);
  const nodes = manager.cache(NODES);
  /** Per node: the last heartbeat value seen and when, by this process's monotonic clock. */
  const heartbeats = new Map<string, { value: string | undefined; at: number }>();
  const changed = new Signal<void>();
  let liveNodes = "";
  let timer: NodeJS.Timeout | undefined;

  const beat = (n: SeccompNodeStatus) => {
    const node = n.metadata?.name ?? "";
    const value = n.status?.heartbeatTime;
    if (heartbeats.get(node)?.value !== value) heartbeats.set(node, { value, at: performance.now() });
  };
  nodeStatuses.addHandler({
    onAdd: beat,
    onUpdate: (_before, after) => beat(after),
    onDelete: (n) => heartbeats.delete(n.metadata?.name ?? ""),
  });

  /**
   * Deletes the SeccompNodeStatus of a node that no longer exists once its agent is silent too,
   * so removed nodes do not pile up in every profile's status. The uid precondition keeps a
   * status that a new agent of a same-named node has just recreated.
   */
  const forgetRemovedNodes = (now: number) => {
    for (const status of nodeStatuses.list()) {
      const name = status.metadata?.name ?? "";
      if (nodes.get(name) !== undefined) continue;
      if (now - (heartbeats.get(name)?.at ?? -Infinity) < options.staleAfterMs) continue;
      const uid = status.metadata?.uid;
      manager.client
        .delete({ ...NODE_STATUS_RESOURCE, name }, uid === undefined ? {} : { preconditions: { uid } })
        .then(() => manager.logger.info("removed the status of a node that no longer exists", { node: name }))
        .catch((error: unknown) => manager.logger.warn("cannot remove the status of a removed node", { node: name, error: errorMessage(error) }));
    }
  };

  const liveNow = (now: number) =>
    nodeStatuses
      .list()
      .filter((n) => now - (heartbeats.get(n.metadata?.name ?? "")?.at ?? -Infinity) < options.staleAfterMs)
      .map((n) => n.metadata?.name)
      .sort()
      .join(",");

  const check = () => {
    const now = performance.now();
    const live = liveNow(now);
    if (live !== liveNodes) {
      liveNodes = live;
      changed.emit();
    }
    forgetRemovedNodes(now);
  };

  manager.add({
    name: "node-liveness",
    leaderOnly: true,
    start: () => {
      // As the reconciles that start now see them: a node that goes silent before the first
      // check is a change to announce, not the state to start from.
      liveNodes = liveNow(performance.now());
      timer = setInterval(check, 10_000);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  });
  return {
    heartbeatAge: (node) => {
      const at = heartbeats.get(node)?.at;
      return at === undefined ? undefined : performance.now() - at;
    },
    changed,
  };
}
