import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { Commands, errorText, OfferLog, offersFromActions, PickItem, retrainMessage, Server, UI } from "../commands";
import { ProgressToken } from "../status";

interface Call {
  command: string;
  args: unknown[];
  token?: ProgressToken;
}

/** A fake server: answers by command name, records every call. */
function fakeServer(answers: Record<string, (args: unknown[]) => unknown>): Server & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    execute: async (command, args, token) => {
      calls.push({ command, args, token });
      const f = answers[command];
      if (!f) {
        throw new Error(`${command} is not available yet in this version of SyntX`);
      }
      return f(args);
    },
  };
}

/** A fake UI: picks by label from a queue, records messages. */
function fakeUI(
  picks: string[] = [],
  inputs: string[] = [],
): UI & { infos: string[]; errors: string[]; shown: string[][]; panels: { title: string; html: string }[] } {
  const infos: string[] = [];
  const errors: string[] = [];
  const shown: string[][] = [];
  const panels: { title: string; html: string }[] = [];
  return {
    infos,
    errors,
    shown,
    panels,
    panel: (title, html) => panels.push({ title, html }),
    info: (m) => infos.push(m),
    error: (m) => errors.push(m),
    pick: async <T>(items: PickItem<T>[]): Promise<T | undefined> => {
      shown.push(items.map((i) => i.label));
      const want = picks.shift();
      return items.find((i) => i.label === want)?.value;
    },
    input: async () => inputs.shift(),
  };
}

describe("offersFromActions", () => {
  it("takes the suggestion id from data, else from the syntx.accept argument", () => {
    const got = offersFromActions(
      "file:///a.go",
      [
        {
          title: "Wrap the error with %w",
          kind: "quickfix.syntx.correctness",
          data: { suggestionId: "s-1", ruleId: "go.errorf-wrap" },
          edits: [{ startLine: 4, endLine: 4 }],
        },
        {
          title: "Verify TLS certificates",
          kind: "quickfix.syntx.security",
          command: { command: "syntx.accept", arguments: ["s-2"] },
          edits: [
            { startLine: 2, endLine: 2 },
            { startLine: 9, endLine: 10 },
          ],
        },
        { title: "Organize imports", kind: "source.organizeImports" },
      ],
      100,
    );
    assert.deepEqual(got, [
      { id: "s-1", title: "Wrap the error with %w", kind: "quickfix.syntx.correctness", uri: "file:///a.go", startLine: 4, endLine: 4, at: 100 },
      { id: "s-2", title: "Verify TLS certificates", kind: "quickfix.syntx.security", uri: "file:///a.go", startLine: 2, endLine: 10, at: 100 },
    ]);
  });
});

describe("OfferLog", () => {
  const o = (id: string, uri: string, line: number, at: number, title = id) => ({
    id,
    title,
    kind: "quickfix.syntx.style",
    uri,
    startLine: line,
    endLine: line,
    at,
  });

  it("lists the cursor's suggestions first, then the document's, then others", () => {
    const log = new OfferLog();
    log.record([o("far", "file:///b.py", 3, 5), o("doc", "file:///a.py", 20, 1), o("here", "file:///a.py", 7, 2)]);
    assert.deepEqual(
      log.candidates("file:///a.py", 7).map((x) => x.id),
      ["here", "doc", "far"],
    );
  });

  it("keeps one entry per site and title, the newest, and forgets dismissed ones", () => {
    const log = new OfferLog();
    log.record([o("s-1", "file:///a.py", 7, 1, "Use is None")]);
    log.record([o("s-9", "file:///a.py", 7, 2, "Use is None")]);
    assert.deepEqual(
      log.candidates("file:///a.py", 7).map((x) => x.id),
      ["s-9"],
    );
    log.forget("s-9");
    assert.deepEqual(
      log.candidates("file:///a.py", 7).map((x) => x.id),
      ["s-1"],
    );
  });

  it("is bounded", () => {
    const log = new OfferLog(3);
    log.record([1, 2, 3, 4, 5].map((i) => o(`s-${i}`, `file:///${i}.go`, 0, i)));
    assert.deepEqual(
      log.candidates().map((x) => x.id),
      ["s-5", "s-4", "s-3"],
    );
  });
});

describe("Commands", () => {
  it("retrain sends the work-done token and reports the adapter change", async () => {
    let adapter: string | null = null;
    const server = fakeServer({
      "syntx.status": () => ({ adapter }),
      "syntx.retrain": () => {
        adapter = "v1";
        return null;
      },
    });
    const ui = fakeUI();
    const statuses: unknown[] = [];
    await new Commands(server, ui, new OfferLog(), (r) => statuses.push(r)).retrain("tok-1");
    const retrain = server.calls.find((c) => c.command === "syntx.retrain");
    assert.deepEqual(retrain, { command: "syntx.retrain", args: [], token: "tok-1" });
    assert.deepEqual(ui.infos, ["SyntX retrained: active adapter base model → v1."]);
    assert.deepEqual(statuses.at(-1), { adapter: "v1" });
  });

  it("shows the server's error when a command is not available", async () => {
    const server = fakeServer({ "syntx.status": () => ({}) });
    const ui = fakeUI();
    await new Commands(server, ui, new OfferLog(), () => undefined).rollback();
    assert.deepEqual(ui.errors, ["SyntX rollback: syntx.rollback is not available yet in this version of SyntX"]);
  });

  it("switchPersona offers the built-in personas and sends the choice", async () => {
    const server = fakeServer({ "syntx.setPersona": () => null, "syntx.status": () => ({}) });
    const ui = fakeUI(["security-reviewer"]);
    await new Commands(server, ui, new OfferLog(), () => undefined).switchPersona("developer", ["team-lead"]);
    assert.deepEqual(ui.shown[0], ["developer", "security-reviewer", "performance-auditor", "team-lead", "Other…"]);
    assert.deepEqual(server.calls[0], { command: "syntx.setPersona", args: ["security-reviewer"], token: undefined });
    assert.deepEqual(ui.infos, ["SyntX persona: security-reviewer"]);
  });

  it("switchPersona takes a typed name with Other…", async () => {
    const server = fakeServer({ "syntx.setPersona": () => null, "syntx.status": () => ({}) });
    const ui = fakeUI(["Other…"], ["  qa-lead "]);
    await new Commands(server, ui, new OfferLog(), () => undefined).switchPersona();
    assert.deepEqual(server.calls[0].args, ["qa-lead"]);
  });

  it("switchPersona does nothing when the pick is cancelled", async () => {
    const server = fakeServer({});
    await new Commands(server, fakeUI([]), new OfferLog(), () => undefined).switchPersona();
    assert.equal(server.calls.length, 0);
  });

  it("dismiss picks a suggestion and a reason, then sends [id, reason]", async () => {
    const server = fakeServer({ "syntx.dismiss": () => null });
    const log = new OfferLog();
    log.record(
      offersFromActions(
        "file:///src/cart.js",
        [{ title: "Use === instead of ==", data: { suggestionId: "s-4" }, edits: [{ startLine: 9, endLine: 9 }] }],
        1,
      ),
    );
    const ui = fakeUI(["Use === instead of ==", "Style"]);
    await new Commands(server, ui, log, () => undefined).dismiss({ uri: "file:///src/cart.js", line: 9 });
    assert.deepEqual(server.calls, [{ command: "syntx.dismiss", args: ["s-4", "style"], token: undefined }]);
    assert.deepEqual(ui.shown[1], ["Not helpful", "Wrong", "Style", "Other"]);
    assert.deepEqual(log.candidates(), []);
  });

  it("dismiss with an id and a valid reason asks nothing", async () => {
    const server = fakeServer({ "syntx.dismiss": () => null });
    const ui = fakeUI();
    await new Commands(server, ui, new OfferLog(), () => undefined).dismiss(undefined, "s-7", "wrong");
    assert.deepEqual(server.calls[0].args, ["s-7", "wrong"]);
    assert.equal(ui.shown.length, 0);
  });

  it("dismiss says so when nothing was offered", async () => {
    const server = fakeServer({});
    const ui = fakeUI();
    await new Commands(server, ui, new OfferLog(), () => undefined).dismiss();
    assert.equal(server.calls.length, 0);
    assert.match(ui.infos[0], /No SyntX suggestion to dismiss/);
  });

  it("showStatus opens a page, not a toast", async () => {
    const server = fakeServer({ "syntx.status": () => ({ adapter: "v2", events: { offered: 3 } }) });
    const ui = fakeUI();
    await new Commands(server, ui, new OfferLog(), () => undefined).showStatus();
    assert.deepEqual(ui.infos, []);
    assert.equal(ui.panels.length, 1);
    assert.equal(ui.panels[0].title, "SyntX Status");
    assert.match(ui.panels[0].html, /<th>Adapter<\/th><td>v2<\/td>/);
    assert.match(ui.panels[0].html, /<td>offered<\/td><td class="n">3<\/td>/);
  });

  it("the dismiss picker lists only suggestions still open", () => {
    const log = new OfferLog();
    log.record(
      offersFromActions(
        "file:///a.js",
        [
          { title: "Use ===", data: { suggestionId: "s-1", setId: "set-1" }, edits: [{ startLine: 1, endLine: 1 }] },
          { title: "Use let", data: { suggestionId: "s-2", setId: "set-1" }, edits: [{ startLine: 1, endLine: 1 }] },
          { title: "Use const", data: { suggestionId: "s-3", setId: "set-2" }, edits: [{ startLine: 4, endLine: 4 }] },
        ],
        1,
      ),
    );
    log.forget("s-1"); // accepted
    assert.deepEqual(
      log.candidates().map((o) => o.id),
      ["s-2", "s-3"],
    );
    log.forget("set-1"); // the set's menu entry "Dismiss these suggestions"
    assert.deepEqual(
      log.candidates().map((o) => o.id),
      ["s-3"],
    );
  });
});

describe("messages", () => {
  it("retrainMessage: one message with the decision and the numbers", () => {
    assert.equal(retrainMessage("v1", "v1", null), "SyntX retrained: the active adapter stays v1.");
    assert.equal(
      retrainMessage(null, "v2", {
        decision: "accepted",
        message: "adapter v2 accepted (held-out accuracy 0.80 vs 0.60, log-loss 0.500 vs 0.690, on 4 held-out of 20 preferences); active: v2",
      }),
      "SyntX retrained: active adapter base model → v2. Adapter v2 accepted (held-out accuracy 0.80 vs 0.60, log-loss 0.500 vs 0.690, on 4 held-out of 20 preferences); active: v2.",
    );
  });

  it("retrainMessage: too little feedback is information, in people's words", () => {
    const m = retrainMessage(null, null, {
      decision: "not-enough-feedback",
      usable: 3,
      needed: 10,
      message: "not enough feedback to retrain yet: 3 of 10 preferences needed",
    });
    assert.equal(m, "SyntX: not enough feedback to retrain yet: 3 of 10 preferences needed. Keep applying, undoing and dismissing suggestions.");
    assert.doesNotMatch(m, /syntx\.retrain|train:|usable/);
  });

  it("errorText reads JSON-RPC errors", () => {
    assert.equal(errorText({ code: -32600, message: "nope" }), "nope");
    assert.equal(errorText(new Error("boom")), "boom");
    assert.equal(errorText(3), "3");
  });
});
