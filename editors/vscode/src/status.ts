// Pure logic: what the status bar item says. It follows the server's state
// (starting, running, stopped), the active adapter reported by `syntx.status`,
// and any `$/progress` the extension listens to (the retrain token, and
// tokens the server creates with window/workDoneProgress/create).

/** A `$/progress` value (LSP WorkDoneProgressBegin/Report/End). */
export interface ProgressValue {
  kind: "begin" | "report" | "end";
  title?: string;
  message?: string;
  percentage?: number;
  cancellable?: boolean;
}

export type ProgressToken = string | number;

export type ServerState = "starting" | "running" | "stopped";

/** What the status bar item shows. */
export interface StatusView {
  text: string;
  tooltip: string;
  busy: boolean;
  /** Set when the item should draw attention (server stopped). */
  warning: boolean;
}

interface Task {
  title: string;
  message?: string;
  percentage?: number;
}

/** The interesting part of a `syntx.status` (or `syntx status --json`) result. */
export interface StatusSummary {
  adapter: string | null | undefined;
  persona?: string;
  version?: string;
  preferences?: number;
  events?: Record<string, number>;
}

/**
 * adapterLabel renders the `adapter` field: null is the base model; a string
 * or number is a version; an object is read for version, name or id.
 */
export function adapterLabel(adapter: unknown): string | null {
  if (adapter === null || adapter === undefined || adapter === "") {
    return null;
  }
  if (typeof adapter === "string") {
    return adapter;
  }
  if (typeof adapter === "number") {
    return `v${adapter}`;
  }
  if (typeof adapter === "object") {
    const o = adapter as Record<string, unknown>;
    for (const k of ["version", "name", "id"]) {
      const v = o[k];
      if (typeof v === "string" && v !== "") {
        return v;
      }
      if (typeof v === "number") {
        return `v${v}`;
      }
    }
  }
  return String(adapter);
}

/** summarize reads a status result defensively: any field may be missing. */
export function summarize(result: unknown): StatusSummary {
  const o = typeof result === "object" && result !== null ? (result as Record<string, unknown>) : {};
  const s: StatusSummary = {
    adapter: "adapter" in o ? adapterLabel(o.adapter) : undefined,
  };
  if (typeof o.persona === "string") {
    s.persona = o.persona;
  }
  if (typeof o.version === "string") {
    s.version = o.version;
  }
  if (typeof o.preferences === "number") {
    s.preferences = o.preferences;
  }
  if (typeof o.events === "object" && o.events !== null) {
    const ev: Record<string, number> = {};
    for (const [k, v] of Object.entries(o.events as Record<string, unknown>)) {
      if (typeof v === "number") {
        ev[k] = v;
      }
    }
    s.events = ev;
  }
  return s;
}

/** The outcome names of DESIGN.md, in the order people read them. */
export const outcomeOrder = ["offered", "accepted", "kept", "undone", "edited", "ignored", "dismissed"];

/** describeStatus is the multi-line text of "SyntX: Show Status". */
export function describeStatus(result: unknown): string {
  const s = summarize(result);
  const lines: string[] = [];
  lines.push(`Adapter: ${s.adapter === undefined ? "unknown" : (s.adapter ?? "base model (no adapter)")}`);
  if (s.persona) {
    lines.push(`Persona: ${s.persona}`);
  }
  if (s.events) {
    const names = [
      ...outcomeOrder.filter((k) => k in s.events!),
      ...Object.keys(s.events).filter((k) => !outcomeOrder.includes(k)).sort(),
    ];
    lines.push(`Events: ${names.map((k) => `${k} ${s.events![k]}`).join(", ") || "none"}`);
  }
  if (s.preferences !== undefined) {
    lines.push(`Preferences: ${s.preferences}`);
  }
  const ws = workspaceLine(result);
  if (ws) {
    lines.push(ws);
  }
  if (s.version) {
    lines.push(`Server: ${s.version}`);
  }
  return lines.join("\n");
}

/**
 * workspaceLine says whether the workspace's own .syntx rules and settings
 * are in use (the `workspace` object of syntx.status), or undefined when the
 * workspace has none.
 */
export function workspaceLine(result: unknown): string | undefined {
  const ws = (result as { workspace?: unknown } | null)?.workspace;
  if (typeof ws !== "object" || ws === null) {
    return undefined;
  }
  const w = ws as { files?: unknown; trusted?: unknown; note?: unknown; rules?: unknown };
  if (typeof w.files !== "string" || w.files === "") {
    return undefined;
  }
  if (w.trusted === true) {
    return `Workspace: ${w.files} in use (${typeof w.rules === "number" ? w.rules : 0} workspace rules)`;
  }
  const why = typeof w.note === "string" && w.note !== "" ? ` (${w.note})` : "";
  return `Workspace: ${w.files} not loaded${why}; trust the folder to use them`;
}

/** StatusModel holds what the status bar item reflects. */
export class StatusModel {
  private state: ServerState = "starting";
  private summary: StatusSummary = { adapter: undefined };
  private readonly tasks = new Map<ProgressToken, Task>();
  private lastResult: string | undefined;

  setServerState(state: ServerState): void {
    this.state = state;
    if (state !== "running") {
      this.tasks.clear();
    }
  }

  /** applyStatus takes a `syntx.status` result. */
  applyStatus(result: unknown): void {
    this.summary = summarize(result);
  }

  /** adapter is the active adapter: null for the base model, undefined if unknown. */
  get adapter(): string | null | undefined {
    return this.summary.adapter;
  }

  /**
   * handleProgress applies one `$/progress` value. It returns the finished
   * task's end message when the value ends a task, so the caller can tell the
   * user; otherwise undefined.
   */
  handleProgress(token: ProgressToken, value: ProgressValue, defaultTitle = "working"): string | undefined {
    switch (value.kind) {
      case "begin":
        this.tasks.set(token, {
          title: value.title || defaultTitle,
          message: value.message,
          percentage: clampPct(value.percentage),
        });
        return undefined;
      case "report": {
        const t = this.tasks.get(token) ?? { title: defaultTitle };
        if (value.message !== undefined) {
          t.message = value.message;
        }
        if (value.percentage !== undefined) {
          t.percentage = clampPct(value.percentage);
        }
        this.tasks.set(token, t);
        return undefined;
      }
      case "end": {
        const t = this.tasks.get(token);
        this.tasks.delete(token);
        const msg = value.message || (t ? `${t.title}: done` : "done");
        this.lastResult = msg;
        return msg;
      }
    }
    return undefined;
  }

  /** forget drops a task without an end message (its token went quiet). */
  forget(token: ProgressToken): void {
    this.tasks.delete(token);
  }

  /** busy reports whether any progress is under way. */
  get busy(): boolean {
    return this.tasks.size > 0;
  }

  view(): StatusView {
    if (this.state === "stopped") {
      return {
        text: "$(error) SyntX: stopped",
        tooltip: "The SyntX server is not running. Run “SyntX: Restart Server”, or check the SyntX output.",
        busy: false,
        warning: true,
      };
    }
    if (this.state === "starting") {
      return { text: "$(loading~spin) SyntX", tooltip: "Starting the SyntX server…", busy: true, warning: false };
    }
    const adapter = this.adapterText();
    const tooltip: string[] = [`Adapter: ${adapter}`];
    if (this.summary.persona) {
      tooltip.push(`Persona: ${this.summary.persona}`);
    }
    if (this.tasks.size > 0) {
      // Show the most recently started task; list all in the tooltip.
      const all = [...this.tasks.values()];
      const t = all[all.length - 1];
      const pct = t.percentage !== undefined ? ` ${Math.round(t.percentage)}%` : "";
      for (const x of all) {
        tooltip.push(`${x.title}${x.percentage !== undefined ? ` ${Math.round(x.percentage)}%` : ""}${x.message ? ` — ${x.message}` : ""}`);
      }
      return {
        text: `$(sync~spin) SyntX: ${shortTitle(t.title)}${pct}`,
        tooltip: tooltip.join("\n"),
        busy: true,
        warning: false,
      };
    }
    if (this.lastResult) {
      tooltip.push(`Last training: ${this.lastResult}`);
    }
    tooltip.push("Click for status");
    return { text: `$(lightbulb) SyntX: ${adapter}`, tooltip: tooltip.join("\n"), busy: false, warning: false };
  }

  private adapterText(): string {
    const a = this.summary.adapter;
    if (a === undefined) {
      return "ready";
    }
    return a === null ? "base" : a;
  }
}

function clampPct(p: number | undefined): number | undefined {
  if (p === undefined || !Number.isFinite(p)) {
    return undefined;
  }
  return Math.min(100, Math.max(0, p));
}

/** shortTitle keeps the status bar narrow: long titles become their first word. */
export function shortTitle(title: string): string {
  const t = title.trim().replace(/^syntx:?\s*/i, "");
  if (t.length <= 20) {
    return t.toLowerCase();
  }
  return t.split(/\s+/)[0].toLowerCase();
}
