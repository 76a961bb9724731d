import assert from "node:assert/strict";
import { AGENT_HELP } from "../../src/cli/agent-command.js";
import { CONTROLLER_HELP } from "../../src/cli/controller-command.js";
import { DEFAULT_HEALTH_ADDR, DEFAULT_METRICS_ADDR } from "../../src/cli/daemon.js";
import { RECORDER_HELP } from "../../src/cli/recorder-command.js";

describe("daemon ports", () => {
  it("the controller and the agent listen on distinct default ports, as their help says", () => {
    assert.notEqual(DEFAULT_HEALTH_ADDR.controller, DEFAULT_HEALTH_ADDR.agent);
    assert.match(CONTROLLER_HELP, /--health-addr HOST:PORT .*\(default :8081\)/);
    assert.match(AGENT_HELP, /--health-addr HOST:PORT .*\(default :8082\)/);
  });

  it("every daemon serves /metrics on a port of its own, none shared with another's health or metrics", () => {
    const all = [...Object.values(DEFAULT_HEALTH_ADDR), ...Object.values(DEFAULT_METRICS_ADDR)];
    assert.equal(new Set(all).size, all.length);
    assert.match(CONTROLLER_HELP, /--metrics-addr HOST:PORT +\/metrics \(default :8443\)/);
    assert.match(AGENT_HELP, /--metrics-addr HOST:PORT +\/metrics \(default :8444\)/);
    assert.match(RECORDER_HELP, /--metrics-addr HOST:PORT +\/metrics \(default :8445\)/);
    for (const help of [CONTROLLER_HELP, AGENT_HELP, RECORDER_HELP]) assert.match(help, /--metrics-auth kubernetes\|none\n[\s\S]*none: plain HTTP, open to anyone/);
  });
});
