import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { adapterLabel, describeStatus, shortTitle, StatusModel, summarize, workspaceLine } from "../status";

describe("adapterLabel", () => {
  it("renders null as the base model and versions as they come", () => {
    assert.equal(adapterLabel(null), null);
    assert.equal(adapterLabel(undefined), null);
    assert.equal(adapterLabel("v3"), "v3");
    assert.equal(adapterLabel(7), "v7");
    assert.equal(adapterLabel({ version: "2024-06-01T10:00:00Z" }), "2024-06-01T10:00:00Z");
    assert.equal(adapterLabel({ id: 4 }), "v4");
  });
});

describe("summarize", () => {
  it("reads the contract fields and ignores the rest", () => {
    const s = summarize({
      adapter: "v2",
      persona: "developer",
      preferences: 12,
      events: { offered: 5, accepted: 2, bogus: "x" },
      version: "0.1.0",
      documents: 3,
    });
    assert.deepEqual(s, {
      adapter: "v2",
      persona: "developer",
      preferences: 12,
      events: { offered: 5, accepted: 2 },
      version: "0.1.0",
    });
  });

  it("tells an absent adapter (unknown) from null (base model)", () => {
    assert.equal(summarize({}).adapter, undefined);
    assert.equal(summarize({ adapter: null }).adapter, null);
    assert.equal(summarize(null).adapter, undefined);
    assert.equal(summarize("nonsense").adapter, undefined);
  });
});

describe("describeStatus", () => {
  it("lists outcomes in the design's order", () => {
    const text = describeStatus({
      adapter: null,
      persona: "security-reviewer",
      events: { undone: 1, offered: 9, accepted: 3, custom: 2 },
      preferences: 4,
    });
    assert.equal(
      text,
      [
        "Adapter: base model (no adapter)",
        "Persona: security-reviewer",
        "Events: offered 9, accepted 3, undone 1, custom 2",
        "Preferences: 4",
      ].join("\n"),
    );
  });

  it("says unknown when the server does not report an adapter yet", () => {
    assert.equal(describeStatus({ persona: "developer" }), "Adapter: unknown\nPersona: developer");
  });
});

describe("StatusModel", () => {
  it("shows starting, then the adapter once running", () => {
    const m = new StatusModel();
    assert.equal(m.view().text, "$(loading~spin) SyntX");
    assert.equal(m.view().busy, true);
    m.setServerState("running");
    assert.equal(m.view().text, "$(lightbulb) SyntX: ready");
    m.applyStatus({ adapter: null });
    assert.equal(m.view().text, "$(lightbulb) SyntX: base");
    m.applyStatus({ adapter: "v3", persona: "developer" });
    const v = m.view();
    assert.equal(v.text, "$(lightbulb) SyntX: v3");
    assert.match(v.tooltip, /Adapter: v3\nPersona: developer/);
    assert.equal(v.warning, false);
  });

  it("follows a retrain's progress from begin to end", () => {
    const m = new StatusModel();
    m.setServerState("running");
    m.applyStatus({ adapter: "v1" });
    const tok = "syntx-retrain-1";
    assert.equal(m.handleProgress(tok, { kind: "begin", title: "Training", percentage: 0 }), undefined);
    assert.equal(m.view().text, "$(sync~spin) SyntX: training 0%");
    assert.equal(m.busy, true);
    m.handleProgress(tok, { kind: "report", message: "epoch 2/4", percentage: 50.4 });
    assert.equal(m.view().text, "$(sync~spin) SyntX: training 50%");
    assert.match(m.view().tooltip, /Training 50% — epoch 2\/4/);
    // A report without a percentage keeps the last one.
    m.handleProgress(tok, { kind: "report", message: "evaluating" });
    assert.equal(m.view().text, "$(sync~spin) SyntX: training 50%");
    const end = m.handleProgress(tok, { kind: "end", message: "adapter v2 active" });
    assert.equal(end, "adapter v2 active");
    assert.equal(m.busy, false);
    m.applyStatus({ adapter: "v2" });
    assert.equal(m.view().text, "$(lightbulb) SyntX: v2");
    assert.match(m.view().tooltip, /Last training: adapter v2 active/);
  });

  it("clamps percentages and survives a report before begin", () => {
    const m = new StatusModel();
    m.setServerState("running");
    m.handleProgress(9, { kind: "report", percentage: 140 }, "training");
    assert.equal(m.view().text, "$(sync~spin) SyntX: training 100%");
    m.handleProgress(9, { kind: "report", percentage: -5 });
    assert.equal(m.view().text, "$(sync~spin) SyntX: training 0%");
    assert.equal(m.handleProgress(9, { kind: "end" }), "training: done");
  });

  it("shows the newest of several tasks, and all in the tooltip", () => {
    const m = new StatusModel();
    m.setServerState("running");
    m.handleProgress("a", { kind: "begin", title: "Training", percentage: 10 });
    m.handleProgress("b", { kind: "begin", title: "SyntX: Evaluating adapter" });
    assert.equal(m.view().text, "$(sync~spin) SyntX: evaluating adapter");
    assert.match(m.view().tooltip, /Training 10%\nSyntX: Evaluating adapter/);
    m.handleProgress("b", { kind: "end" });
    assert.equal(m.view().text, "$(sync~spin) SyntX: training 10%");
  });

  it("drops progress and warns when the server stops", () => {
    const m = new StatusModel();
    m.setServerState("running");
    m.handleProgress("a", { kind: "begin", title: "Training" });
    m.setServerState("stopped");
    const v = m.view();
    assert.equal(v.text, "$(error) SyntX: stopped");
    assert.equal(v.warning, true);
    assert.equal(m.busy, false);
  });
});

describe("shortTitle", () => {
  it("keeps short titles and cuts long ones to a word", () => {
    assert.equal(shortTitle("Training"), "training");
    assert.equal(shortTitle("SyntX: retrain"), "retrain");
    assert.equal(shortTitle("Training the policy adapter on 240 preferences"), "training");
  });
});

describe("workspaceLine", () => {
  it("says whether the workspace's own rules are in use", () => {
    assert.equal(workspaceLine({}), undefined);
    assert.equal(workspaceLine({ workspace: { root: "/w", trusted: false } }), undefined);
    assert.equal(
      workspaceLine({ workspace: { root: "/w", files: "2 rule files", trusted: false, note: "this folder is not trusted" } }),
      "Workspace: 2 rule files not loaded (this folder is not trusted); trust the folder to use them",
    );
    assert.equal(
      workspaceLine({ workspace: { root: "/w", files: "1 rule file", trusted: true, rules: 1 } }),
      "Workspace: 1 rule file in use (1 workspace rules)",
    );
  });
});
