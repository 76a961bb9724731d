import { randomBytes } from "node:crypto";
import { microTime } from "../kube/leader-election.js";
import { errorMessage, type Logger } from "../kube/logger.js";
import type { Resource } from "../kube/resource.js";
import type { RestClient } from "../kube/rest-client.js";

export const EVENTS: Resource = { group: "events.k8s.io", version: "v1", plural: "events" };

/** The object an Event is about. */
export interface EventTarget {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

/**
 * Same object, reason and message within this window: one Event, not one per resync. Progress
 * counts ("2/3 live nodes") are left out of the comparison, or every node that installs a
 * profile would add an Event to every workload waiting for it.
 */
const REPEAT_WINDOW_MS = 10 * 60_000;

/**
 * Records Events (events.k8s.io/v1) for people running `kubectl describe`. Best effort: an
 * Event that cannot be written is logged, never retried, and never fails a reconcile.
 */
export class EventRecorder {
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly client: RestClient,
    private readonly options: { controller: string; instance: string; logger: Logger },
  ) {}

  normal(target: EventTarget, reason: string, message: string): void {
    this.record(target, "Normal", reason, message);
  }

  warn(target: EventTarget, reason: string, message: string): void {
    this.record(target, "Warning", reason, message);
  }

  private record(target: EventTarget, type: "Normal" | "Warning", reason: string, message: string): void {
    // The repeat window by the monotonic clock, so that a step of the wall clock neither repeats nor silences Events.
    const now = performance.now();
    const key = `${target.kind}/${target.namespace}/${target.name}/${type}/${reason}/${message.replace(/\d+\/\d+/g, "n/n")}`;
    const last = this.recent.get(key);
    if (last !== undefined && now - last < REPEAT_WINDOW_MS) return;
    this.recent.set(key, now);
    if (this.recent.size > 10_000) {
      for (const [k, at] of this.recent) if (now - at >= REPEAT_WINDOW_MS) this.recent.delete(k);
    }
    const regarding: Record<string, string> = { apiVersion: target.apiVersion, kind: target.kind, namespace: target.namespace, name: target.name };
    if (target.uid !== undefined) regarding.uid = target.uid;
    const body = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name: `${target.name.slice(0, 200)}.${randomBytes(8).toString("hex")}`, namespace: target.namespace },
      eventTime: microTime(new Date()),
      reportingController: this.options.controller,
      reportingInstance: this.options.instance.slice(0, 128),
      action: reason.slice(0, 128),
      reason: reason.slice(0, 128),
      note: message.slice(0, 1024),
      type,
      regarding,
    };
    this.client.create({ ...EVENTS, namespace: target.namespace }, body as never).catch((error: unknown) => {
      this.options.logger.warn("event not recorded", { key: `${target.namespace}/${target.name}`, reason, error: errorMessage(error) });
    });
  }
}
