// Activation with `vscode` and `vscode-languageclient/node` stubbed: checks
// the wiring (what the server is started with, which commands exist, what
// the status bar shows while a retrain reports progress) without VS Code.

import assert from "node:assert/strict";
import * as fs from "node:fs";
import Module from "node:module";
import * as path from "node:path";
import { before, describe, it } from "node:test";

type Handler = (value: unknown) => void;

interface FakeClient {
  id: string;
  serverOptions: { command: string; args: string[]; options: { env: Record<string, string | undefined> } };
  clientOptions: { initializationOptions: unknown; documentSelector: { scheme: string; language: string }[] };
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
  statusItem: { text: "", tooltip: "" as unknown, shown: false },
  clients: [] as FakeClient[],
  adapter: null as string | null,
  // What the fake server does on syntx.retrain, given a way to send progress.
  onRetrain: async (_send: (v: unknown) => void): Promise<unknown> => null,
};

const disposable = { dispose: () => undefined };

const fakeVscode = {
  StatusBarAlignment: { Left: 1, Right: 2 },
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
        command: "",
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
    showErrorMessage: (m: string) => {
      state.errors.push(m);
      return Promise.resolve(undefined);
    },
    showWarningMessage: (_m: string, _opts?: unknown, ...items: string[]) => Promise.resolve(items[0]),
    showQuickPick: () => Promise.resolve(undefined),
    showInputBox: () => Promise.resolve(undefined),
    withProgress: (_o: unknown, task: (p: { report: (v: unknown) => void }) => Promise<void>) =>
      task({ report: () => undefined }),
    activeTextEditor: undefined,
  },
  commands: {
    registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
      state.commands.set(id, fn);
      return disposable;
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
      return null;
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
    assert.deepEqual(state.infos.at(-1), "SyntX retrained: active adapter base model → v1");
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
      return { decision: "accepted" };
    };
    await state.commands.get("syntx.retrainNow")!();
    await tick();
    assert.deepEqual(seen, ["$(sync~spin) SyntX: retraining 40%"]);
    assert.equal(state.statusItem.text, "$(lightbulb) SyntX: v2");
    // Nothing is left subscribed for the client's own, unused token.
    assert.deepEqual([...c.progress.keys()].filter((k) => String(k).startsWith("syntx-retrain-")), []);
    assert.equal(state.infos.at(-1), "SyntX retrained: active adapter v1 → v2");
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
});
