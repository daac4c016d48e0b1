// The bundle the .vsix ships (dist/extension.js: the extension with
// vscode-languageclient built in by esbuild), loaded with only `vscode`
// stubbed: it loads, registers every command package.json contributes, and
// a binary that does not exist is one message with Open Settings, before
// any language client is created.

import assert from "node:assert/strict";
import * as fs from "node:fs";
import Module from "node:module";
import * as path from "node:path";
import { describe, it } from "node:test";

const bundle = path.join(__dirname, "..", "..", "dist", "extension.js");

describe("the bundle (dist/extension.js)", () => {
  it("activates, registers the commands and says once that the binary is missing", async () => {
    assert.ok(fs.existsSync(bundle), "dist/extension.js is missing: npm run bundle");
    const commands = new Set<string>();
    const errors: { message: string; items: string[] }[] = [];
    const item = { text: "", command: "" as unknown, tooltip: "" as unknown, name: "", backgroundColor: undefined as unknown, show() {}, dispose() {} };
    const disposable = { dispose: () => undefined };
    const fake = {
      StatusBarAlignment: { Left: 1, Right: 2 },
      ViewColumn: { Beside: -2 },
      ThemeColor: class {
        constructor(public id: string) {}
      },
      window: {
        createOutputChannel: () => ({ appendLine: () => undefined, show: () => undefined, dispose: () => undefined }),
        createStatusBarItem: () => item,
        showErrorMessage: (message: string, ...items: string[]) => {
          errors.push({ message, items });
          return Promise.resolve(undefined);
        },
        showWarningMessage: () => Promise.resolve(undefined),
        showInformationMessage: () => Promise.resolve(undefined),
      },
      commands: {
        registerCommand: (id: string) => {
          commands.add(id);
          return disposable;
        },
        executeCommand: () => Promise.resolve(undefined),
      },
      workspace: {
        getConfiguration: () => ({
          get: (k: string) => (k === "path" ? "/nonexistent/syntx" : undefined),
          inspect: (k: string) => ({ globalValue: k === "path" ? "/nonexistent/syntx" : undefined }),
        }),
        workspaceFolders: undefined,
        isTrusted: true,
        onDidChangeConfiguration: () => disposable,
        onDidGrantWorkspaceTrust: () => disposable,
      },
    };
    // vscode-languageclient extends VS Code's classes (CodeAction, Hover, ...)
    // when it loads: any other capitalised name is an empty class here.
    const stub = new Proxy(fake as Record<string, unknown>, {
      get: (t, k) => (typeof k === "string" && !(k in t) && /^[A-Z]/.test(k) ? class {} : t[k as string]),
    });
    type Loader = (request: string, parent: unknown, isMain: boolean) => unknown;
    const mod = Module as unknown as { _load: Loader };
    const realLoad = mod._load;
    const loaded: string[] = [];
    mod._load = function (request: string, parent: unknown, isMain: boolean) {
      loaded.push(request);
      if (request === "vscode") return stub;
      return realLoad.call(this, request, parent, isMain);
    };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const ext = require(bundle) as { activate(ctx: unknown): Promise<void> };
      await ext.activate({ subscriptions: [] });
    } finally {
      mod._load = realLoad;
    }
    assert.ok(!loaded.some((r) => r.startsWith("vscode-languageclient")), "the bundle loads vscode-languageclient from node_modules");
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as {
      main: string;
      contributes: { commands: { command: string }[] };
    };
    assert.equal(path.normalize(pkg.main), path.normalize("./dist/extension.js"));
    for (const { command } of pkg.contributes.commands) {
      assert.ok(commands.has(command), `${command} is not registered by the bundle`);
    }
    assert.deepEqual(errors, [
      {
        message: "SyntX binary not found: /nonexistent/syntx. Set syntx.path to the syntx binary (make install, or bin/syntx after make build).",
        items: ["Open Settings"],
      },
    ]);
    assert.equal(item.text, "$(error) SyntX: stopped");
    assert.equal(item.command, "syntx.restartServer");
  });
});
