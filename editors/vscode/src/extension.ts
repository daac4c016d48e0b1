// The VS Code side: start `syntx serve` with vscode-languageclient, wire the
// palette commands and the status bar. The logic lives in settings.ts,
// status.ts and commands.ts; this file only connects it to VS Code.

import * as os from "os";
import * as vscode from "vscode";
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  ExecuteCommandParams,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
} from "vscode-languageclient/node";

import { Commands, errorText, OfferLog, offersFromActions, PickItem, UI } from "./commands";
import {
  initializationOptions,
  Inspected,
  languages,
  reaction,
  readSettings,
  serverCommand,
  Settings,
  userLevel,
  validate,
} from "./settings";
import { ProgressToken, ProgressValue, StatusModel } from "./status";

let client: LanguageClient | undefined;
let settings: Settings;
let tokenCounter = 0;
const model = new StatusModel();
const offers = new OfferLog();

function currentSettings(): Settings {
  const cfg = vscode.workspace.getConfiguration("syntx");
  const inspect = typeof cfg.inspect === "function" ? (k: string) => cfg.inspect(k) as Inspected | undefined : undefined;
  return readSettings(userLevel((k) => cfg.get(k), inspect));
}

/** VS Code's workspace trust (true where the API predates it). */
function isTrusted(): boolean {
  return vscode.workspace.isTrusted !== false;
}

/** The notification that tells the server trust was granted. */
const trustNotification = "syntx/workspaceTrust";

function places(): { home: string; workspaceFolder?: string } {
  return { home: os.homedir(), workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath };
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("SyntX");
  const item = vscode.window.createStatusBarItem("syntx.status", vscode.StatusBarAlignment.Right, 100);
  item.name = "SyntX";
  item.command = "syntx.showStatus";
  context.subscriptions.push(output, item);

  const render = (): void => {
    const v = model.view();
    item.text = v.text;
    item.tooltip = v.tooltip;
    item.backgroundColor = v.warning ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
    item.show();
  };

  const ui: UI = {
    info: (m) => void vscode.window.showInformationMessage(m),
    error: (m) => void vscode.window.showErrorMessage(m),
    pick: async <T>(items: PickItem<T>[], placeholder: string): Promise<T | undefined> => {
      const chosen = await vscode.window.showQuickPick(
        items.map((i) => ({ label: i.label, description: i.description, detail: i.detail, value: i.value })),
        { placeHolder: placeholder },
      );
      return chosen?.value;
    },
    input: (prompt, check) => Promise.resolve(vscode.window.showInputBox({ prompt, validateInput: check })),
  };

  // progressFor subscribes the status bar (and a progress indicator) to one
  // token's $/progress. The returned function ends it early (idempotent),
  // for a token the server never reported on.
  const progressFor = (token: ProgressToken, defaultTitle: string, notify: boolean): (() => void) => {
    const c = client;
    if (!c) {
      return () => undefined;
    }
    let finish: (() => void) | undefined;
    let report: ((v: ProgressValue) => void) | undefined;
    const done = new Promise<void>((resolve) => (finish = resolve));
    void vscode.window.withProgress(
      { location: notify ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window, title: "SyntX" },
      (p) => {
        let last = 0;
        report = (v) => {
          const inc = v.percentage !== undefined ? Math.max(0, v.percentage - last) : undefined;
          if (v.percentage !== undefined) {
            last = v.percentage;
          }
          p.report({ message: v.message ?? v.title, increment: inc });
        };
        return done;
      },
    );
    let ended = false;
    const end = (): void => {
      if (!ended) {
        ended = true;
        sub.dispose();
        finish?.();
        model.forget(token);
        render();
      }
    };
    const sub = c.onProgress(WorkDoneProgress.type, token, (value) => {
      const v = value as ProgressValue;
      const msg = model.handleProgress(token, v, defaultTitle);
      report?.(v);
      render();
      if (v.kind === "end") {
        output.appendLine(`progress ${String(token)}: ${msg ?? "done"}`);
        end();
        void cmds.refreshStatus().then(render, () => undefined);
      }
    });
    context.subscriptions.push(sub);
    return end;
  };

  const server = {
    execute: async (command: string, args: unknown[], workDoneToken?: ProgressToken): Promise<unknown> => {
      const c = client;
      if (!c || !c.isRunning()) {
        throw new Error("the SyntX server is not running");
      }
      const params: ExecuteCommandParams = { command, arguments: args };
      if (workDoneToken !== undefined) {
        params.workDoneToken = workDoneToken;
      }
      return c.sendRequest(ExecuteCommandRequest.type, params);
    },
  };
  const cmds = new Commands(server, ui, offers, (result) => {
    model.applyStatus(result);
    render();
  });

  const start = async (): Promise<void> => {
    settings = currentSettings();
    for (const p of validate(settings)) {
      void vscode.window.showWarningMessage(p);
    }
    const cmd = serverCommand(settings, places(), process.env);
    const serverOptions: ServerOptions = {
      command: cmd.command,
      args: cmd.args,
      options: { env: cmd.env },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: languages.flatMap((language) => [
        { scheme: "file", language },
        { scheme: "untitled", language },
      ]),
      initializationOptions: initializationOptions(settings, isTrusted()),
      outputChannel: output,
      traceOutputChannel: output,
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue }),
        closed: () => {
          model.setServerState("stopped");
          render();
          return { action: CloseAction.DoNotRestart, message: "The SyntX server stopped. Run “SyntX: Restart Server” to start it again." };
        },
      },
      middleware: {
        // Remember what was offered so "Dismiss Suggestion" can list it.
        provideCodeActions: async (document, range, ctx, token, next) => {
          const result = await next(document, range, ctx, token);
          if (result) {
            // A Command has a string `command`; a CodeAction has an object or none.
            const acts = result.filter((a): a is vscode.CodeAction => typeof (a as vscode.Command).command !== "string");
            offers.record(
              offersFromActions(
                document.uri.toString(),
                acts.map((a) => ({
                  title: a.title,
                  kind: a.kind?.value,
                  command: a.command ? { command: a.command.command, arguments: a.command.arguments } : undefined,
                  data: (a as { data?: unknown }).data,
                  edits: a.edit
                    ?.get(document.uri)
                    .map((e) => ({ startLine: e.range.start.line, endLine: e.range.end.line })) ?? [
                    { startLine: range.start.line, endLine: range.end.line },
                  ],
                })),
                Date.now(),
              ),
            );
          }
          return result;
        },
      },
    };
    client = new LanguageClient("syntx", "SyntX", serverOptions, clientOptions);
    client.onDidChangeState((e) => {
      model.setServerState(e.newState === State.Running ? "running" : e.newState === State.Starting ? "starting" : "stopped");
      render();
    });
    model.setServerState("starting");
    render();
    try {
      await client.start();
    } catch (e) {
      model.setServerState("stopped");
      render();
      void vscode.window.showErrorMessage(
        `SyntX could not start “${cmd.command} serve”: ${errorText(e)}. Set syntx.path to the syntx binary.`,
      );
      return;
    }
    // Progress the server starts on its own (idle training) comes with
    // window/workDoneProgress/create: follow it in the status bar too. This
    // replaces the client's default handler, so we show the progress ourselves.
    client.onRequest(WorkDoneProgressCreateRequest.type, (p) => {
      progressFor(p.token, "training", false);
      return null;
    });
    await cmds.refreshStatus().catch((e) => output.appendLine(`syntx.status: ${errorText(e)}`));
    render();
  };

  const stop = async (): Promise<void> => {
    const c = client;
    client = undefined;
    if (c) {
      await c.stop().catch(() => undefined);
    }
  };

  const reg = (id: string, fn: (...args: unknown[]) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  };
  reg("syntx.retrainNow", async () => {
    // The token goes with the request (client-initiated progress); a server
    // that creates its own token instead is followed through
    // window/workDoneProgress/create.
    const token = `syntx-retrain-${process.pid}-${++tokenCounter}`;
    const end = progressFor(token, "training", true);
    try {
      await cmds.retrain(token);
    } finally {
      end();
    }
  });
  reg("syntx.showStatus", () => cmds.showStatus());
  reg("syntx.switchPersona", async () => {
    const cfg = vscode.workspace.getConfiguration("syntx");
    const extra = Object.keys((cfg.get<Record<string, unknown>>("initializationOptions")?.personas as object) ?? {});
    let current: string | undefined;
    try {
      const s = (await cmds.refreshStatus()) as { persona?: unknown };
      current = typeof s?.persona === "string" ? s.persona : undefined;
    } catch {
      current = settings.persona || undefined;
    }
    await cmds.switchPersona(current, extra);
  });
  reg("syntx.rollbackAdapter", async () => {
    const ok = await vscode.window.showWarningMessage(
      "Roll back SyntX to the previous adapter?",
      { modal: true },
      "Roll Back",
    );
    if (ok === "Roll Back") {
      await cmds.rollback();
      render();
    }
  });
  reg("syntx.dismissSuggestion", async (id?: unknown, reason?: unknown) => {
    const ed = vscode.window.activeTextEditor;
    const at = ed ? { uri: ed.document.uri.toString(), line: ed.selection.active.line } : undefined;
    await cmds.dismiss(at, typeof id === "string" ? id : undefined, typeof reason === "string" ? reason : undefined);
  });
  reg("syntx.restartServer", async () => {
    await stop();
    await start();
  });

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration("syntx")) {
        return;
      }
      const next = currentSettings();
      switch (reaction(settings, next)) {
        case "restart":
          await stop();
          await start();
          break;
        case "configure":
          settings = next;
          if (client?.isRunning()) {
            await client.sendNotification(DidChangeConfigurationNotification.type, {
              settings: initializationOptions(next, isTrusted()),
            });
            await cmds.refreshStatus().catch(() => undefined);
          }
          break;
        default:
          settings = next;
      }
    }),
    { dispose: () => void stop() },
  );

  // Restricted mode: the server ignores the workspace's .syntx/rules and
  // .syntx/config.toml. When the user trusts the folder, tell it.
  if (typeof vscode.workspace.onDidGrantWorkspaceTrust === "function") {
    context.subscriptions.push(
      vscode.workspace.onDidGrantWorkspaceTrust(async () => {
        if (client?.isRunning()) {
          await client.sendNotification(trustNotification, { trusted: true });
        }
      }),
    );
  }

  await start();
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    await c.stop();
  }
}
