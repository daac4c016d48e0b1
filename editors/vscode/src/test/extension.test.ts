// Activation with `vscode` and `vscode-languageclient/node` stubbed: checks
// the wiring (what the server is started with, which commands exist, what
// the status bar shows while a retrain reports progress) without VS Code.

import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import Module from "node:module";
import * as path from "node:path";
import { before, describe, it } from "node:test";

type Handler = (value: unknown) => void;

interface FakeClient {
  id: string;
  serverOptions: { command: string; args: string[]; options: { env: Record<string, string | undefined> } };
  clientOptions: {
    initializationOptions: unknown;
    documentSelector: { scheme: string; language: string }[];
    errorHandler: { closed: () => { action: number; handled?: boolean } };
  };
  requests: { method: string; params: { command: string; arguments: unknown[]; workDoneToken?: string } }[];
  notifications: { method: string; params: unknown }[];
  progress: Map<string | number, Handler>;
  requestHandlers: Map<string, (p: unknown) => unknown>;
}

const state = {
  config: {} as Record<string, unknown>,
  // What a repository's .vscode/settings.json says.
  workspaceConfig: {} as Record<string, unknown>,
  trusted: false,
  grantTrust: undefined as (() => unknown) | undefined,
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  infos: [] as string[],
  errors: [] as string[],
  errorItems: [] as string[][],
  warnings: [] as string[],
  answer: undefined as string | undefined, // the button the user clicks in an error message
  executed: [] as unknown[][],
  progress: [] as { title: string }[], // notifications with progress (location Notification)
  panels: [] as { title: string; opts: unknown; webview: { html: string } }[],
  // Called when a panel is revealed (after its HTML is set) or an error is shown.
  onShown: undefined as ((what: string) => void) | undefined,
  statusItem: { text: "", tooltip: "" as unknown, shown: false, command: "" },
  clients: [] as FakeClient[],
  adapter: null as string | null,
  // What the fake server does on syntx.retrain, given a way to send progress.
  onRetrain: async (_send: (v: unknown) => void): Promise<unknown> => null,
};

const disposable = { dispose: () => undefined };

const fakeVscode = {
  StatusBarAlignment: { Left: 1, Right: 2 },
  ViewColumn: { Active: -1, Beside: -2, One: 1 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  ThemeColor: class {
    constructor(public id: string) {}
  },
  Command: class {},
  window: {
    createOutputChannel: () => ({ appendLine: () => undefined, dispose: () => undefined }),
    createStatusBarItem: () => {
      const item = {
        name: "",
        get command() {
          return state.statusItem.command;
        },
        set command(v: string) {
          state.statusItem.command = v;
        },
        backgroundColor: undefined as unknown,
        get text() {
          return state.statusItem.text;
        },
        set text(v: string) {
          state.statusItem.text = v;
        },
        get tooltip() {
          return state.statusItem.tooltip;
        },
        set tooltip(v: unknown) {
          state.statusItem.tooltip = v;
        },
        show: () => {
          state.statusItem.shown = true;
        },
        dispose: () => undefined,
      };
      return item;
    },
    showInformationMessage: (m: string) => {
      state.infos.push(m);
      return Promise.resolve(undefined);
    },
    showErrorMessage: (m: string, ...items: string[]) => {
      state.errors.push(m);
      state.errorItems.push(items);
      state.onShown?.(`error: ${m}`);
      return Promise.resolve(state.answer);
    },
    createWebviewPanel: (_type: string, title: string, _col: unknown, opts: unknown) => {
      const panel = {
        title,
        opts,
        webview: { html: "" },
        reveal: () => state.onShown?.(`panel: ${panel.title}`),
        onDidDispose: () => disposable,
      };
      state.panels.push(panel);
      return panel;
    },
    showWarningMessage: (m: string, opts?: unknown, ...items: string[]) => {
      state.warnings.push(m);
      return Promise.resolve(typeof opts === "object" ? items[0] : undefined);
    },
    showQuickPick: () => Promise.resolve(undefined),
    showInputBox: () => Promise.resolve(undefined),
    withProgress: (o: { title?: string; location?: number }, task: (p: { report: (v: unknown) => void }) => Promise<void>) => {
      if (o.location === 15 && o.title) {
        state.progress.push({ title: o.title });
      }
      return task({ report: () => undefined });
    },
    activeTextEditor: undefined,
  },
  commands: {
    registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
      state.commands.set(id, fn);
      return disposable;
    },
    executeCommand: (id: string, ...args: unknown[]) => {
      state.executed.push([id, ...args]);
      const fn = state.commands.get(id);
      return Promise.resolve(fn ? fn(...args) : undefined);
    },
  },
  workspace: {
    getConfiguration: () => ({
      get: (k: string) => (k in state.workspaceConfig ? state.workspaceConfig[k] : state.config[k]),
      inspect: (k: string) => ({ globalValue: state.config[k], workspaceValue: state.workspaceConfig[k] }),
    }),
    workspaceFolders: [{ uri: { fsPath: "/work/shop" } }],
    onDidChangeConfiguration: () => disposable,
    get isTrusted() {
      return state.trusted;
    },
    onDidGrantWorkspaceTrust: (l: () => unknown) => {
      state.grantTrust = l;
      return disposable;
    },
  },
};

const fakeClientModule = {
  CloseAction: { DoNotRestart: 1, Restart: 2 },
  ErrorAction: { Continue: 1, Shutdown: 2 },
  State: { Stopped: 1, Running: 2, Starting: 3 },
  ExecuteCommandRequest: { type: { method: "workspace/executeCommand" } },
  WorkDoneProgress: { type: { __progress: true } },
  WorkDoneProgressCreateRequest: { type: { method: "window/workDoneProgress/create" } },
  DidChangeConfigurationNotification: { type: { method: "workspace/didChangeConfiguration" } },
  LanguageClient: class {
    private fake: FakeClient;
    private stateListeners: ((e: { newState: number }) => void)[] = [];
    private running = false;
    constructor(id: string, _name: string, serverOptions: FakeClient["serverOptions"], clientOptions: FakeClient["clientOptions"]) {
      this.fake = { id, serverOptions, clientOptions, requests: [], notifications: [], progress: new Map(), requestHandlers: new Map() };
      state.clients.push(this.fake);
    }
    onDidChangeState(l: (e: { newState: number }) => void) {
      this.stateListeners.push(l);
      return disposable;
    }
    async start() {
      this.running = true;
      for (const l of this.stateListeners) l({ newState: 2 });
    }
    async stop() {
      this.running = false;
    }
    isRunning() {
      return this.running;
    }
    onRequest(type: { method: string }, h: (p: unknown) => unknown) {
      this.fake.requestHandlers.set(type.method, h);
      return disposable;
    }
    onProgress(_type: unknown, token: string | number, h: Handler) {
      this.fake.progress.set(token, h);
      return { dispose: () => this.fake.progress.delete(token) };
    }
    async sendNotification(type: string | { method: string }, params: unknown) {
      this.fake.notifications.push({ method: typeof type === "string" ? type : type.method, params });
    }
    async sendRequest(type: { method: string }, params: FakeClient["requests"][number]["params"]) {
      this.fake.requests.push({ method: type.method, params });
      switch (params.command) {
        case "syntx.status":
          return { adapter: state.adapter, persona: "developer" };
        case "syntx.retrain": {
          const tok = params.workDoneToken;
          const send = (v: unknown) => {
            const h = tok === undefined ? undefined : this.fake.progress.get(tok);
            if (h) h(v);
          };
          return state.onRetrain(send);
        }
        default:
          throw Object.assign(new Error(`${params.command} is not available yet in this version of SyntX`), { code: -32600 });
      }
    }
  },
};

// Route `require("vscode")` and `require("vscode-languageclient/node")` to the fakes.
type Loader = (request: string, parent: unknown, isMain: boolean) => unknown;
const mod = Module as unknown as { _load: Loader };
const realLoad = mod._load;
mod._load = function (request: string, parent: unknown, isMain: boolean) {
  if (request === "vscode") return fakeVscode;
  if (request === "vscode-languageclient/node") return fakeClientModule;
  return realLoad.call(this, request, parent, isMain);
};

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ext = require("../extension") as typeof import("../extension");

const tick = () => new Promise((r) => setImmediate(r));

describe("extension (stubbed VS Code)", () => {
  before(async () => {
    // ~/bin/syntx exists and is executable: the extension checks before it
    // starts the server.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "syntx-ext-"));
    fs.mkdirSync(path.join(home, "bin"));
    // `syntx report` writes a page naming the data directory it read.
    const report = `<!DOCTYPE html><html><head><title>SyntX report</title></head><body><p>data: %s</p></body></html>`;
    fs.writeFileSync(path.join(home, "bin", "syntx"), `#!/bin/sh\nif [ "$1" = report ]; then printf '${report}' "$SYNTX_HOME"; fi\n`, { mode: 0o755 });
    process.env.HOME = home;
    state.config = { path: "~/bin/syntx", persona: "security-reviewer", threshold: 0.4, dataDirectory: "${workspaceFolder}/.syntx-data" };
    // A cloned repository's .vscode/settings.json tries to choose the
    // binary, the data directory, the persona and privacy.
    state.workspaceConfig = {
      path: "./tools/evil.sh",
      dataDirectory: "/tmp/stolen",
      persona: "performance-auditor",
      initializationOptions: { capture: { store_code: true }, workspaceTrust: true },
    };
    await ext.activate({ subscriptions: [] } as unknown as Parameters<typeof ext.activate>[0]);
  });

  it("starts `<path> serve` with SYNTX_HOME and the initializationOptions", () => {
    assert.equal(state.clients.length, 1);
    const c = state.clients[0];
    assert.equal(c.id, "syntx");
    assert.match(c.serverOptions.command, /\/bin\/syntx$/);
    assert.doesNotMatch(c.serverOptions.command, /^~/);
    assert.deepEqual(c.serverOptions.args, ["serve"]);
    assert.equal(c.serverOptions.options.env.SYNTX_HOME, "/work/shop/.syntx-data");
    assert.deepEqual(c.clientOptions.initializationOptions, { persona: "security-reviewer", policy: { threshold: 0.4 }, workspaceTrust: false });
    const langs = [...new Set(c.clientOptions.documentSelector.map((d) => d.language))];
    assert.deepEqual(langs, ["go", "python", "javascript", "javascriptreact", "typescript", "typescriptreact"]);
  });

  it("ignores what workspace settings say about the binary, paths, persona and options", () => {
    const c = state.clients[0];
    assert.doesNotMatch(c.serverOptions.command, /evil/);
    assert.notEqual(c.serverOptions.options.env.SYNTX_HOME, "/tmp/stolen");
    const opts = c.clientOptions.initializationOptions as Record<string, unknown>;
    assert.equal(opts.persona, "security-reviewer");
    assert.equal(opts.capture, undefined);
    assert.equal(opts.workspaceTrust, false, "restricted mode must reach the server as workspaceTrust: false");
  });

  it("tells the server when the user grants workspace trust", async () => {
    assert.ok(state.grantTrust, "onDidGrantWorkspaceTrust is not subscribed");
    state.trusted = true;
    await state.grantTrust();
    const c = state.clients[0];
    assert.deepEqual(c.notifications.at(-1), { method: "syntx/workspaceTrust", params: { trusted: true } });
  });

  it("declares restricted mode and keeps privacy, paths and limits out of workspace settings", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as {
      capabilities: { untrustedWorkspaces: { supported: string | boolean; restrictedConfigurations?: string[] } };
      contributes: { configuration: { properties: Record<string, { scope?: string }> } };
    };
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, "limited");
    assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ["syntx.threshold"]);
    const props = pkg.contributes.configuration.properties;
    for (const k of ["syntx.path", "syntx.dataDirectory", "syntx.persona", "syntx.initializationOptions"]) {
      assert.ok(["machine", "application"].includes(props[k].scope ?? ""), `${k} has scope ${props[k].scope}: a workspace could set it`);
    }
  });

  it("registers every command package.json contributes", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as {
      contributes: { commands: { command: string }[] };
      activationEvents: string[];
    };
    for (const { command } of pkg.contributes.commands) {
      assert.ok(state.commands.has(command), `${command} is not registered`);
    }
    // The client registers the server's own commands (syntx.retrain, ...);
    // the palette commands must not collide with them.
    for (const server of ["syntx.accept", "syntx.dismiss", "syntx.retrain", "syntx.status", "syntx.setPersona", "syntx.rollback"]) {
      assert.ok(!pkg.contributes.commands.some((c) => c.command === server), `${server} collides with the server's command`);
    }
  });

  it("shows the active adapter once the server runs", () => {
    assert.equal(state.statusItem.shown, true);
    assert.equal(state.statusItem.text, "$(lightbulb) SyntX: base");
  });

  it("Retrain Now sends syntx.retrain with a token and shows its progress", async () => {
    const seen: string[] = [];
    state.onRetrain = async (send) => {
      send({ kind: "begin", title: "Training", percentage: 0 });
      seen.push(state.statusItem.text);
      send({ kind: "report", percentage: 60, message: "epoch 3/5" });
      seen.push(state.statusItem.text);
      state.adapter = "v1";
      send({ kind: "end", message: "adapter v1 active" });
      return { decision: "accepted", message: "adapter v1 accepted" };
    };
    await state.commands.get("syntx.retrainNow")!();
    await tick();
    const c = state.clients[0];
    const req = c.requests.find((r) => r.params.command === "syntx.retrain");
    assert.ok(req, "syntx.retrain was not sent");
    assert.equal(req.method, "workspace/executeCommand");
    assert.match(String(req.params.workDoneToken), /^syntx-retrain-/);
    assert.deepEqual(seen, ["$(sync~spin) SyntX: training 0%", "$(sync~spin) SyntX: training 60%"]);
    assert.equal(state.statusItem.text, "$(lightbulb) SyntX: v1");
    assert.deepEqual(state.infos.at(-1), "SyntX retrained: active adapter base model → v1. Adapter v1 accepted.");
  });

  it("Retrain Now also follows a token the server creates itself", async () => {
    const c = state.clients[0];
    const seen: string[] = [];
    state.onRetrain = async () => {
      // As syntx serve does: window/workDoneProgress/create, then $/progress on it.
      c.requestHandlers.get("window/workDoneProgress/create")!({ token: "syntx-train-9" });
      const h = c.progress.get("syntx-train-9")!;
      h({ kind: "begin", title: "SyntX: retraining", percentage: 0, message: "starting" });
      h({ kind: "report", percentage: 40, message: "reward model" });
      seen.push(state.statusItem.text);
      state.adapter = "v2";
      h({ kind: "end", message: "adapter v2 accepted" });
      return { decision: "accepted", message: "adapter v2 accepted" };
    };
    await state.commands.get("syntx.retrainNow")!();
    await tick();
    assert.deepEqual(seen, ["$(sync~spin) SyntX: retraining 40%"]);
    assert.equal(state.statusItem.text, "$(lightbulb) SyntX: v2");
    // Nothing is left subscribed for the client's own, unused token.
    assert.deepEqual([...c.progress.keys()].filter((k) => String(k).startsWith("syntx-retrain-")), []);
    assert.equal(state.infos.at(-1), "SyntX retrained: active adapter v1 → v2. Adapter v2 accepted.");
  });

  it("follows progress the server starts on its own", async () => {
    const c = state.clients[0];
    const create = c.requestHandlers.get("window/workDoneProgress/create");
    assert.ok(create, "no window/workDoneProgress/create handler");
    create({ token: 77 });
    c.progress.get(77)!({ kind: "begin", title: "Idle training", percentage: 20 });
    assert.equal(state.statusItem.text, "$(sync~spin) SyntX: idle training 20%");
    c.progress.get(77)!({ kind: "end" });
    await tick();
    assert.equal(state.statusItem.text, "$(lightbulb) SyntX: v2");
  });

  it("reports a server command that is not available yet", async () => {
    await state.commands.get("syntx.rollbackAdapter")!();
    assert.match(state.errors.at(-1) ?? "", /syntx\.rollback is not available yet/);
  });

  it("Show Status opens a page with the numbers and a link to the report", async () => {
    await state.commands.get("syntx.showStatus")!();
    const p = state.panels.at(-1)!;
    assert.equal(p.title, "SyntX Status");
    assert.match(p.webview.html, /Content-Security-Policy/);
    assert.match(p.webview.html, /<th>Persona<\/th><td>developer<\/td>/);
    assert.match(p.webview.html, /href="command:syntx.openReport"/);
  });

  it("Open Report renders `syntx report` of the same data directory in a webview without scripts", { timeout: 120_000 }, async () => {
    const shown = new Promise<string>((resolve) => {
      state.onShown = (what) => (what === "panel: SyntX Report" || what.startsWith("error:")) && resolve(what);
    });
    await state.commands.get("syntx.openReport")!();
    assert.equal(await shown, "panel: SyntX Report");
    state.onShown = undefined;
    const p = state.panels.find((x) => x.title === "SyntX Report")!;
    assert.match(p.webview.html, /^<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none';[^"]*"><title>/);
    assert.match(p.webview.html, /<p>data: \/work\/shop\/\.syntx-data<\/p>/);
    assert.deepEqual(p.opts, { enableScripts: false, enableCommandUris: false });
  });

  it("restarts a crashed server 3 times in 3 minutes, with a message each time, then offers Restart", async () => {
    const c = state.clients[0];
    const closed = c.clientOptions.errorHandler.closed;
    const shown = state.progress.length;
    for (let i = 1; i <= 3; i++) {
      const r = closed();
      assert.equal(r.action, 2, `crash ${i} is not restarted`); // CloseAction.Restart
      assert.equal(r.handled, true);
    }
    // Each restart says so, in a notification that lasts while it restarts.
    assert.deepEqual(
      state.progress.slice(shown).map((p) => p.title),
      [1, 2, 3].map((n) => `SyntX server crashed; restarted it (${n} of 3 in 3 min)`),
    );
    state.answer = undefined;
    const r = closed();
    assert.equal(r.action, 1); // CloseAction.DoNotRestart
    assert.match(state.errors.at(-1)!, /crashed 4 times in 3 minutes and was not restarted/);
    assert.deepEqual(state.errorItems.at(-1), ["Restart", "Show Output"]);
    assert.equal(state.statusItem.text, "$(error) SyntX: stopped");
    // The stopped item restarts the server.
    assert.equal(state.statusItem.command, "syntx.restartServer");
    const before = state.clients.length;
    await state.commands.get(state.statusItem.command)!();
    assert.equal(state.clients.length, before + 1, "clicking the stopped item did not start a server");
    assert.equal(state.statusItem.command, "syntx.showStatus");
    // After a restart by the user, crashes are counted afresh.
    assert.equal(state.clients.at(-1)!.clientOptions.errorHandler.closed().action, 2);
  });

  it("a wrong syntx.path is one message, with Open Settings", async () => {
    state.config = { ...state.config, path: "/nowhere/syntx" };
    const errors = state.errors.length;
    const before = state.clients.length;
    state.answer = "Open Settings";
    await state.commands.get("syntx.restartServer")!();
    await tick();
    assert.equal(state.clients.length, before, "a client was started for a binary that does not exist");
    assert.deepEqual(state.errors.slice(errors), ["SyntX binary not found: /nowhere/syntx. Set syntx.path to the syntx binary (make install, or bin/syntx after make build)."]);
    assert.deepEqual(state.errorItems.at(-1), ["Open Settings"]);
    assert.deepEqual(state.executed.at(-1), ["workbench.action.openSettings", "syntx.path"]);
    assert.equal(state.statusItem.text, "$(error) SyntX: stopped");
  });
});
