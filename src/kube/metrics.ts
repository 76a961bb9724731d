// Prometheus metrics for the runtime's moving parts, read from their own
// counts at scrape time, so the queue and the informer know nothing of
// prom-client.
import { Counter, Gauge, register as defaultRegistry, type Registry } from "prom-client";
import type { InformerStats } from "./informer.js";
import type { WorkQueueStats } from "./work-queue.js";

interface StatsSource<S> {
  stats(): S;
}

type Sources<S> = Record<string, StatsSource<S>>;

/** Sources by registry and metric family, so that later calls add to the metrics already registered. */
const registered = new WeakMap<Registry, Map<string, Map<string, StatsSource<unknown>>>>();

/** Adds `sources` to the family in `registry`; true when the family is new and its metrics must be created. */
function addSources<S>(kind: string, sources: Sources<S>, registry: Registry): { all: Map<string, StatsSource<S>>; isNew: boolean } {
  let families = registered.get(registry);
  if (!families) registered.set(registry, (families = new Map()));
  let all = families.get(kind);
  const isNew = !all;
  if (!all) families.set(kind, (all = new Map()));
  for (const [name, source] of Object.entries(sources)) all.set(name, source as StatsSource<unknown>);
  return { all: all as Map<string, StatsSource<S>>, isNew };
}

function family<S>(all: Map<string, StatsSource<S>>, registry: Registry) {
  const each = (visit: (name: string, stats: S) => void) => {
    for (const [name, source] of all) visit(name, source.stats());
  };
  return {
    gauge(name: string, help: string, pick: (s: S) => number) {
      new Gauge({
        name,
        help,
        labelNames: ["name"],
        registers: [registry],
        collect() {
          each((label, stats) => this.set({ name: label }, pick(stats)));
        },
      });
    },
    /** A count kept elsewhere, exposed with the counter type. */
    counter(name: string, help: string, pick: (s: S) => number) {
      new Counter({
        name,
        help,
        labelNames: ["name"],
        registers: [registry],
        collect() {
          this.reset();
          each((label, stats) => this.inc({ name: label }, pick(stats)));
        },
      });
    },
  };
}

/** `workqueue_*` metrics (as client-go names them), labelled by queue name; may be called again with more queues. */
export function registerQueueMetrics(queues: Sources<WorkQueueStats>, registry: Registry = defaultRegistry): void {
  const { all, isNew } = addSources("workqueue", queues, registry);
  if (!isNew) return;
  const m = family(all, registry);
  m.gauge("workqueue_depth", "Keys waiting for a worker.", (s) => s.depth);
  m.gauge("workqueue_processing", "Keys being processed.", (s) => s.processing);
  m.gauge("workqueue_delayed", "Keys waiting for a delay or backoff to pass.", (s) => s.delayed);
  m.counter("workqueue_adds_total", "Keys added.", (s) => s.adds);
  m.counter("workqueue_retries_total", "Keys re-added with backoff after a failure.", (s) => s.retries);
  m.counter("workqueue_failures_total", "Handler runs that failed.", (s) => s.failures);
  m.counter("workqueue_completed_total", "Handler runs that succeeded.", (s) => s.completed);
}

/** `informer_*` metrics, labelled by informer name; may be called again with more informers. */
export function registerInformerMetrics(informers: Sources<InformerStats>, registry: Registry = defaultRegistry): void {
  const { all, isNew } = addSources("informer", informers, registry);
  if (!isNew) return;
  const m = family(all, registry);
  m.gauge("informer_objects", "Objects in the cache.", (s) => s.objects);
  m.gauge("informer_last_contact_timestamp_seconds", "When the API server last sent a list, event or bookmark.", (s) => s.lastContactAt / 1000);
  m.counter("informer_lists_total", "Full lists.", (s) => s.lists);
  m.counter("informer_relists_total", "Relists after the watch expired (410 Gone).", (s) => s.relists);
  m.counter("informer_watches_total", "Watches started.", (s) => s.watches);
  m.counter("informer_events_total", "Watch events received.", (s) => s.events);
  m.counter("informer_errors_total", "Failed lists and watches.", (s) => s.errors);
  m.counter("informer_watchdog_restarts_total", "Watches restarted because nothing arrived for too long.", (s) => s.watchdogRestarts);
}
