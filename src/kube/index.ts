// The controller runtime: a JSON client for the API, informers, a keyed work
// queue, leader election, health endpoints and graceful shutdown. It knows
// nothing of what the operator manages.
export * from "./api-error.js";
export * from "./backoff.js";
export * from "./cluster-access.js";
export * from "./health-server.js";
export * from "./informer.js";
export * from "./kubeconfig.js";
export * from "./leader-election.js";
export * from "./logger.js";
export * from "./metrics.js";
export * from "./objects.js";
export * from "./resource.js";
export * from "./rest-client.js";
export * from "./shutdown.js";
export * from "./work-queue.js";
