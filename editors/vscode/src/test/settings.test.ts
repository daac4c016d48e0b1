import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  defaultSettings,
  expand,
  initializationOptions,
  reaction,
  readSettings,
  serverCommand,
  Settings,
  userLevel,
  validate,
} from "../settings";

const s = (over: Partial<Settings>): Settings => ({ ...defaultSettings, ...over });

describe("readSettings", () => {
  it("takes the defaults when nothing is set", () => {
    assert.deepEqual(
      readSettings(() => undefined),
      defaultSettings,
    );
  });

  it("reads every key, trimming strings", () => {
    const values: Record<string, unknown> = {
      path: " /opt/syntx/bin/syntx ",
      persona: "security-reviewer",
      threshold: 0.4,
      dataDirectory: "~/syntx-data",
      initializationOptions: { train: { objective: "dpo" } },
    };
    assert.deepEqual(
      readSettings((k) => values[k]),
      {
        path: "/opt/syntx/bin/syntx",
        persona: "security-reviewer",
        threshold: 0.4,
        dataDirectory: "~/syntx-data",
        initializationOptions: { train: { objective: "dpo" } },
      },
    );
  });

  it("replaces values of the wrong type by defaults", () => {
    const values: Record<string, unknown> = {
      path: 42,
      persona: ["x"],
      threshold: "0.5",
      dataDirectory: null,
      initializationOptions: [1, 2],
    };
    assert.deepEqual(
      readSettings((k) => values[k]),
      defaultSettings,
    );
  });

  it("treats an empty path as the default binary", () => {
    assert.equal(readSettings((k) => (k === "path" ? "  " : undefined)).path, "syntx");
  });
});

describe("initializationOptions", () => {
  it("is empty with the defaults, so the server's config decides", () => {
    assert.deepEqual(initializationOptions(defaultSettings), {});
  });

  it("puts persona at the top and threshold under policy", () => {
    assert.deepEqual(initializationOptions(s({ persona: "performance-auditor", threshold: 0.6 })), {
      persona: "performance-auditor",
      policy: { threshold: 0.6 },
    });
  });

  it("keeps a threshold of 0 (show everything)", () => {
    assert.deepEqual(initializationOptions(s({ threshold: 0 })), { policy: { threshold: 0 } });
  });

  it("merges with syntx.initializationOptions; the dedicated settings win", () => {
    const base = {
      persona: "developer",
      policy: { threshold: 0.1, model: "/m.onnx" },
      train: { objective: "kto" },
    };
    const out = initializationOptions(s({ persona: "security-reviewer", threshold: 0.3, initializationOptions: base }));
    assert.deepEqual(out, {
      persona: "security-reviewer",
      policy: { threshold: 0.3, model: "/m.onnx" },
      train: { objective: "kto" },
    });
    // The setting object itself is not modified.
    assert.equal(base.policy.threshold, 0.1);
  });

  it("leaves out a threshold outside [0, 1]", () => {
    assert.deepEqual(initializationOptions(s({ threshold: 3 })), {});
    assert.equal(validate(s({ threshold: 3 })).length, 1);
    assert.equal(validate(s({ threshold: -0.1 })).length, 1);
    assert.deepEqual(validate(s({ threshold: 0.25 })), []);
  });

  it("rejects a persona with spaces", () => {
    assert.equal(validate(s({ persona: "security reviewer" })).length, 1);
  });
});

describe("serverCommand", () => {
  const places = { home: "/home/ana", workspaceFolder: "/work/shop" };

  it("runs <path> serve with the parent environment", () => {
    const c = serverCommand(defaultSettings, places, { PATH: "/usr/bin", HOME: "/home/ana" });
    assert.equal(c.command, "syntx");
    assert.deepEqual(c.args, ["serve"]);
    assert.deepEqual(c.env, { PATH: "/usr/bin", HOME: "/home/ana" });
  });

  it("sets SYNTX_HOME from the data directory, expanded", () => {
    const c = serverCommand(s({ dataDirectory: "${workspaceFolder}/.syntx-data", path: "~/go/bin/syntx" }), places, {
      PATH: "/usr/bin",
    });
    assert.equal(c.command, "/home/ana/go/bin/syntx");
    assert.equal(c.env.SYNTX_HOME, "/work/shop/.syntx-data");
    assert.equal(c.env.PATH, "/usr/bin");
  });

  it("overrides an inherited SYNTX_HOME only when a data directory is set", () => {
    assert.equal(serverCommand(defaultSettings, places, { SYNTX_HOME: "/x" }).env.SYNTX_HOME, "/x");
    assert.equal(serverCommand(s({ dataDirectory: "~" }), places, { SYNTX_HOME: "/x" }).env.SYNTX_HOME, "/home/ana");
  });
});

describe("expand", () => {
  it("expands ~ only at the start", () => {
    assert.equal(expand("~/a", { home: "/h" }), "/h/a");
    assert.equal(expand("/a/~/b", { home: "/h" }), "/a/~/b");
    assert.equal(expand("~user/a", { home: "/h" }), "~user/a");
  });

  it("leaves ${workspaceFolder} when there is no folder", () => {
    assert.equal(expand("${workspaceFolder}/d", { home: "/h" }), "${workspaceFolder}/d");
    assert.equal(expand("${userHome}/d", { home: "/h" }), "/h/d");
  });
});

describe("reaction", () => {
  it("restarts for a new binary or data directory", () => {
    assert.equal(reaction(defaultSettings, s({ path: "/bin/syntx" })), "restart");
    assert.equal(reaction(defaultSettings, s({ dataDirectory: "/d" })), "restart");
  });

  it("reconfigures the running server for persona and threshold", () => {
    assert.equal(reaction(defaultSettings, s({ persona: "developer" })), "configure");
    assert.equal(reaction(defaultSettings, s({ threshold: 0.5 })), "configure");
    assert.equal(reaction(defaultSettings, s({ initializationOptions: { train: { idle_delay: "1m" } } })), "configure");
  });

  it("does nothing when nothing that matters changed", () => {
    assert.equal(reaction(defaultSettings, s({})), "none");
    assert.equal(reaction(defaultSettings, s({ threshold: 7 })), "none");
  });
});

describe("userLevel", () => {
  const workspace: Record<string, unknown> = { path: "./evil.sh", dataDirectory: "/tmp/x", persona: "p", initializationOptions: { a: 1 }, threshold: 0.9 };
  const global: Record<string, unknown> = { path: "/usr/bin/syntx", threshold: 0.3 };
  const get = (k: string) => (k in workspace ? workspace[k] : global[k]);
  const inspect = (k: string) => ({ defaultValue: k === "path" ? "syntx" : undefined, globalValue: global[k], workspaceValue: workspace[k] });

  it("reads the binary, data directory, persona and options from user settings only", () => {
    const s = readSettings(userLevel(get, inspect));
    assert.equal(s.path, "/usr/bin/syntx");
    assert.equal(s.dataDirectory, "");
    assert.equal(s.persona, "");
    assert.deepEqual(s.initializationOptions, {});
    assert.equal(s.threshold, 0.9, "threshold may come from a (trusted) workspace");
  });

  it("falls back to the getter when inspect is not available", () => {
    assert.equal(readSettings(userLevel(get)).path, "./evil.sh");
  });
});

describe("initializationOptions and trust", () => {
  it("sends VS Code's trust, never the settings' own", () => {
    const opts = { workspaceTrust: true, persona: "x" };
    assert.deepEqual(initializationOptions(s({ initializationOptions: opts }), false), { persona: "x", workspaceTrust: false });
    assert.deepEqual(initializationOptions(s({ initializationOptions: opts })), { persona: "x" });
  });
});
