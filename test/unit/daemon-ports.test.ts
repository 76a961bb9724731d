import assert from "node:assert/strict";
import { AGENT_HELP } from "../../src/cli/agent-command.js";
import { CONTROLLER_HELP } from "../../src/cli/controller-command.js";
import { DEFAULT_HEALTH_ADDR } from "../../src/cli/daemon.js";

describe("daemon ports", () => {
  it("the controller and the agent listen on distinct default ports, as their help says", () => {
    assert.notEqual(DEFAULT_HEALTH_ADDR.controller, DEFAULT_HEALTH_ADDR.agent);
    assert.match(CONTROLLER_HELP, /--health-addr HOST:PORT .*\(default :8081\)/);
    assert.match(AGENT_HELP, /--health-addr HOST:PORT .*\(default :8082\)/);
  });
});
