// The VS Code side: start `syntx serve` with vscode-languageclient, wire the
// palette commands and the status bar. The logic lives in settings.ts,
// status.ts and commands.ts; this file only connects it to VS Code.

import { execFile } from "child_process";
import * as fs from "fs";
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
import { RestartPolicy } from "./restart";
import {
  findExecutable,
  initializationOptions,
  Inspected,
  notFoundMessage,
  languages,
  reaction,
  readSettings,
  serverCommand,
  Settings,
  userLevel,
  validate,
} from "./settings";
import { ProgressToken, ProgressValue, reportPage, StatusModel } from "./status";

let client: LanguageClient | undefined;
let settings: Settings;
let tokenCounter = 0;
const model = new StatusModel();
const offers = new OfferLog();
const restarts = new RestartPolicy();

/** isExecutable: a regular file the user may run. */
function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

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
    // Stopped, the item starts the server again; otherwise it shows the status.
    item.command = v.warning ? "syntx.restartServer" : "syntx.showStatus";
    item.backgroundColor = v.warning ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
    item.show();
  };

  // One webview for the status and one for the report, reused.
  const panels = new Map<string, vscode.WebviewPanel>();
  const showPanel = (key: string, title: string, html: string, commands: boolean): void => {
    let p = panels.get(key);
    if (!p) {
      p = vscode.window.createWebviewPanel(`syntx.${key}`, title, vscode.ViewColumn.Beside, {
        enableScripts: false,
        enableCommandUris: commands ? ["syntx.openReport"] : false,
      });
      panels.set(key, p);
      p.onDidDispose(() => panels.delete(key));
    }
    p.title = title;
    p.webview.html = html;
    p.reveal(vscode.ViewColumn.Beside, true);
  };

  const ui: UI = {
    info: (m) => void vscode.window.showInformationMessage(m),
    error: (m) => void vscode.window.showErrorMessage(m),
    panel: (title, html) => showPanel("status", title, html, true),
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

  // A restart's message stays while the server starts again (at least long
  // enough to read it) and goes away once it runs, or at once when the
  // server stopped for good: a message that outlived the problem would say
  // the opposite of the status bar ("restarted it" beside "SyntX: stopped").
  const showWhileRestarting = (message: string): void => {
    const shownAt = Date.now();
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: message }, () => {
      return new Promise<void>((resolve) => {
        const check = (): void => {
          const elapsed = Date.now() - shownAt;
          const state = model.serverState;
          if (state === "stopped" || (state !== "starting" && elapsed >= 6000) || elapsed >= 60000) {
            resolve();
            return;
          }
          setTimeout(check, 500).unref?.();
        };
        check();
      });
    });
  };

  const openSettings = (): void => void vscode.commands.executeCommand("workbench.action.openSettings", "syntx.path");
  let stopping = false;

  const start = async (): Promise<void> => {
    settings = currentSettings();
    for (const p of validate(settings)) {
      void vscode.window.showWarningMessage(p);
    }
    const cmd = serverCommand(settings, places(), process.env);
    // A wrong syntx.path is one message, with the way to fix it, rather
    // than the language client's failure to spawn (two toasts, one of
    // which outlived the fix).
    if (!findExecutable(cmd.command, cmd.env, isExecutable)) {
      model.setServerState("stopped");
      render();
      void vscode.window.showErrorMessage(notFoundMessage(cmd.command), "Open Settings").then((choice) => {
        if (choice === "Open Settings") {
          openSettings();
        }
      });
      return;
    }
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
          if (stopping) {
            return { action: CloseAction.DoNotRestart, handled: true };
          }
          // A crash: restarted up to 3 times in 3 minutes, with a message
          // each time; then it stays stopped, and the message, the status
          // bar item and "SyntX: Restart Server" start it again.
          const d = restarts.crashed(Date.now());
          output.appendLine(d.message);
          if (d.restart) {
            model.setServerState("starting");
            render();
            showWhileRestarting(d.message);
            return { action: CloseAction.Restart, handled: true };
          }
          model.setServerState("stopped");
          render();
          void vscode.window.showErrorMessage(d.message, "Restart", "Show Output").then((c) => {
            if (c === "Restart") {
              void vscode.commands.executeCommand("syntx.restartServer");
            } else if (c === "Show Output") {
              output.show(true);
            }
          });
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
      middleware: {
        // What was applied or dismissed leaves the dismiss picker.
        executeCommand: async (command, args, next) => {
          const result = await next(command, args);
          if ((command === "syntx.accept" || command === "syntx.dismiss") && typeof args[0] === "string") {
            offers.forget(args[0]);
          }
          return result;
        },
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
      void vscode.window
        .showErrorMessage(`SyntX could not start “${cmd.command} serve”: ${errorText(e)}`, "Open Settings")
        .then((choice) => choice === "Open Settings" && openSettings());
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
      stopping = true;
      await c.stop().catch(() => undefined);
      stopping = false;
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
    restarts.reset();
    await stop();
    await start();
  });
  reg("syntx.openReport", async () => {
    // `syntx report` writes one self-contained page (inline SVG, no
    // scripts); it reads the same data directory as the server.
    const cmd = serverCommand(settings, places(), process.env);
    const bin = findExecutable(cmd.command, cmd.env, isExecutable);
    if (!bin) {
      void vscode.window.showErrorMessage(notFoundMessage(cmd.command), "Open Settings").then((c) => c === "Open Settings" && openSettings());
      return;
    }
    execFile(bin, ["report"], { env: cmd.env as NodeJS.ProcessEnv, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) {
        void vscode.window.showErrorMessage(`SyntX report: ${(stderr || errorText(err)).trim()}`);
        return;
      }
      showPanel("report", "SyntX Report", reportPage(stdout), false);
    });
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
