// The command palette entries, written against two small interfaces (the
// server and the UI) so the flows are tested without VS Code. extension.ts
// supplies the real ones.

import { builtinPersonas } from "./settings";
import { ProgressToken, statusHtml, summarize } from "./status";

/** The server's commands (DESIGN.md, "Contracts"). */
export const ServerCommands = {
  accept: "syntx.accept",
  dismiss: "syntx.dismiss",
  retrain: "syntx.retrain",
  status: "syntx.status",
  setPersona: "syntx.setPersona",
  rollback: "syntx.rollback",
} as const;

/** The reasons syntx.dismiss accepts, with what the user reads. */
export const dismissReasons = [
  { value: "not-helpful", label: "Not helpful", detail: "Correct, but not worth the change here" },
  { value: "wrong", label: "Wrong", detail: "The suggestion is incorrect" },
  { value: "style", label: "Style", detail: "Not how we write code here" },
  { value: "other", label: "Other", detail: "Some other reason" },
] as const;

export type DismissReason = (typeof dismissReasons)[number]["value"];

/** Server sends workspace/executeCommand; workDoneToken is set for progress. */
export interface Server {
  execute(command: string, args: unknown[], workDoneToken?: ProgressToken): Promise<unknown>;
}

export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

export interface UI {
  info(message: string): void;
  error(message: string): void;
  /** panel shows an HTML page (the status) in a webview beside the editor. */
  panel(title: string, html: string): void;
  pick<T>(items: PickItem<T>[], placeholder: string): Promise<T | undefined>;
  input(prompt: string, validate: (v: string) => string | undefined): Promise<string | undefined>;
}

/** A suggestion the server offered, remembered so it can be dismissed. */
export interface Offered {
  id: string;
  title: string;
  kind: string;
  uri: string;
  /** Zero-based line range of the edit. */
  startLine: number;
  endLine: number;
  at: number;
  /** The candidate set it was offered in (dismissing the set dismisses it). */
  setId?: string;
}

/**
 * OfferLog remembers the most recent code actions the server offered (their
 * suggestion ids travel as the argument of syntx.accept and in data).
 */
export class OfferLog {
  private items: Offered[] = [];
  constructor(private readonly limit = 200) {}

  record(offers: Offered[]): void {
    const ids = new Set(offers.map((o) => o.id));
    this.items = this.items.filter((o) => !ids.has(o.id));
    this.items.push(...offers);
    if (this.items.length > this.limit) {
      this.items = this.items.slice(this.items.length - this.limit);
    }
  }

  forget(id: string): void {
    this.items = this.items.filter((o) => o.id !== id && o.setId !== id);
  }

  /**
   * candidates: the suggestions at the cursor first, then the rest of the
   * document, then other documents; newest first within each group, one per
   * (uri, title, line) so repeated requests do not flood the list.
   */
  candidates(uri?: string, line?: number): Offered[] {
    const rank = (o: Offered): number => {
      if (uri !== undefined && o.uri === uri) {
        if (line !== undefined && o.startLine <= line && line <= o.endLine) {
          return 0;
        }
        return 1;
      }
      return 2;
    };
    const seen = new Set<string>();
    const out: Offered[] = [];
    const sorted = [...this.items].sort((a, b) => rank(a) - rank(b) || b.at - a.at);
    for (const o of sorted) {
      const key = `${o.uri}\u0000${o.title}\u0000${o.startLine}`;
      if (seen.has(key)) {
        continue;
      }
      seen.add(key);
      out.push(o);
    }
    return out;
  }
}

/** offersFromActions extracts suggestions from LSP-shaped code actions. */
export function offersFromActions(
  uri: string,
  actions: ReadonlyArray<{
    title: string;
    kind?: string;
    command?: { command: string; arguments?: unknown[] };
    data?: unknown;
    edits?: ReadonlyArray<{ startLine: number; endLine: number }>;
  }>,
  now: number,
): Offered[] {
  const out: Offered[] = [];
  for (const a of actions) {
    let id: string | undefined;
    const data = a.data as { suggestionId?: unknown; setId?: unknown } | undefined;
    if (data && typeof data.suggestionId === "string") {
      id = data.suggestionId;
    } else if (a.command?.command === ServerCommands.accept && typeof a.command.arguments?.[0] === "string") {
      id = a.command.arguments[0];
    }
    if (!id) {
      continue;
    }
    const lines = a.edits ?? [];
    const startLine = lines.length ? Math.min(...lines.map((e) => e.startLine)) : 0;
    const endLine = lines.length ? Math.max(...lines.map((e) => e.endLine)) : 0;
    const o: Offered = { id, title: a.title, kind: a.kind ?? "", uri, startLine, endLine, at: now };
    if (data && typeof data.setId === "string") {
      o.setId = data.setId;
    }
    out.push(o);
  }
  return out;
}

/** errorText turns a rejected request into one line for the user. */
export function errorText(e: unknown): string {
  if (e instanceof Error) {
    return e.message;
  }
  if (typeof e === "object" && e !== null && typeof (e as { message?: unknown }).message === "string") {
    return (e as { message: string }).message;
  }
  return String(e);
}

/** Commands implements the palette entries. */
export class Commands {
  constructor(
    private readonly server: Server,
    private readonly ui: UI,
    private readonly offers: OfferLog,
    private readonly onStatus: (result: unknown) => void,
  ) {}

  /** status asks the server and hands the result to the status bar. */
  async refreshStatus(): Promise<unknown> {
    const result = await this.server.execute(ServerCommands.status, []);
    this.onStatus(result);
    return result;
  }

  async showStatus(): Promise<void> {
    try {
      const result = await this.refreshStatus();
      this.ui.panel("SyntX Status", statusHtml(result));
    } catch (e) {
      this.ui.error(`SyntX status: ${errorText(e)}`);
    }
  }

  /**
   * retrain runs syntx.retrain with a work-done token; the caller has
   * subscribed to that token's $/progress before calling.
   */
  async retrain(token: ProgressToken): Promise<void> {
    const before = await this.adapterOrUndefined();
    try {
      const result = await this.server.execute(ServerCommands.retrain, [], token);
      const after = await this.adapterOrUndefined();
      this.ui.info(retrainMessage(before, after, result));
    } catch (e) {
      this.ui.error(`SyntX retrain: ${errorText(e)}`);
    }
  }

  async switchPersona(current?: string, configured: string[] = []): Promise<void> {
    const names = [...new Set([...builtinPersonas, ...configured, ...(current ? [current] : [])])];
    const items: PickItem<string>[] = names.map((n) => ({
      label: n,
      description: n === current ? "active" : undefined,
      value: n,
    }));
    items.push({ label: "Other…", description: "a persona from your [personas] config", value: "" });
    let name = await this.ui.pick(items, "Persona whose feedback you give from now on");
    if (name === undefined) {
      return;
    }
    if (name === "") {
      name = await this.ui.input("Persona name", (v) => (/^[\w.-]+$/.test(v.trim()) ? undefined : "one word: letters, digits, . _ -"));
      if (!name) {
        return;
      }
      name = name.trim();
    }
    try {
      await this.server.execute(ServerCommands.setPersona, [name]);
      this.ui.info(`SyntX persona: ${name}`);
      await this.refreshStatus().catch(() => undefined);
    } catch (e) {
      this.ui.error(`SyntX persona: ${errorText(e)}`);
    }
  }

  async rollback(): Promise<void> {
    try {
      const result = await this.server.execute(ServerCommands.rollback, []);
      const after = await this.adapterOrUndefined();
      const s = summarize(result);
      const now = s.adapter !== undefined ? s.adapter : after;
      this.ui.info(`SyntX rolled back; active adapter: ${now === undefined ? "unknown" : (now ?? "base model")}`);
    } catch (e) {
      this.ui.error(`SyntX rollback: ${errorText(e)}`);
    }
  }

  /**
   * dismiss asks which suggestion (those at the cursor first) and why, then
   * sends syntx.dismiss [id, reason]. With an id given (from a keybinding or
   * another extension) only the reason is asked.
   */
  async dismiss(at?: { uri: string; line: number }, id?: string, reason?: string): Promise<void> {
    let sid = id;
    if (!sid) {
      const cands = this.offers.candidates(at?.uri, at?.line);
      if (cands.length === 0) {
        this.ui.info("No SyntX suggestion to dismiss: open the code actions (the lightbulb) at a suggestion first.");
        return;
      }
      sid = await this.ui.pick(
        cands.map((o) => ({
          label: o.title,
          description: `${basename(o.uri)}:${o.startLine + 1}`,
          detail: o.kind,
          value: o.id,
        })),
        "Which suggestion do you dismiss?",
      );
      if (!sid) {
        return;
      }
    }
    let why = reason && dismissReasons.some((r) => r.value === reason) ? (reason as DismissReason) : undefined;
    if (!why) {
      why = await this.ui.pick<DismissReason>(
        dismissReasons.map((r) => ({ label: r.label, detail: r.detail, value: r.value })),
        "Why? (SyntX learns from this, on this machine only)",
      );
      if (!why) {
        return;
      }
    }
    try {
      await this.server.execute(ServerCommands.dismiss, [sid, why]);
      this.offers.forget(sid);
      this.ui.info(`SyntX: dismissed (${why}).`);
    } catch (e) {
      this.ui.error(`SyntX dismiss: ${errorText(e)}`);
    }
  }

  private async adapterOrUndefined(): Promise<string | null | undefined> {
    try {
      return summarize(await this.refreshStatus()).adapter;
    } catch {
      return undefined;
    }
  }
}

/**
 * retrainMessage is the one message a retrain ends with: the server's own
 * account of the run (the decision and the numbers the gate used), or how
 * much feedback is still missing, and what happened to the active adapter.
 */
export function retrainMessage(before: string | null | undefined, after: string | null | undefined, result: unknown): string {
  const label = (a: string | null | undefined): string => (a === undefined ? "unknown" : (a ?? "base model"));
  const r = typeof result === "object" && result !== null ? (result as { decision?: unknown; message?: unknown }) : {};
  const msg = typeof r.message === "string" && r.message !== "" ? r.message : typeof result === "string" ? result : "";
  if (r.decision === "not-enough-feedback") {
    return `SyntX: ${msg || "not enough feedback to retrain yet"}. Keep applying, undoing and dismissing suggestions.`;
  }
  const change = before !== after ? `active adapter ${label(before)} → ${label(after)}` : `the active adapter stays ${label(after)}`;
  return msg ? `SyntX retrained: ${change}. ${msg[0].toUpperCase()}${msg.slice(1)}.` : `SyntX retrained: ${change}.`;
}

function basename(uri: string): string {
  const i = uri.lastIndexOf("/");
  return i >= 0 ? decodeURIComponent(uri.slice(i + 1)) : uri;
}
