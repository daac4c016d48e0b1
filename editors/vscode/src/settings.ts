// Pure logic: VS Code settings → how the server is started. No `vscode`
// import here, so the unit tests run under plain Node.

/** The `syntx.*` settings, as read from the workspace configuration. */
export interface Settings {
  /** `syntx.path`: the binary; a bare name is looked up on PATH. */
  path: string;
  /** `syntx.persona`: empty means "let the server's config decide". */
  persona: string;
  /** `syntx.threshold`: null means "let the server's config decide". */
  threshold: number | null;
  /** `syntx.dataDirectory`: SYNTX_HOME; empty means the server's default. */
  dataDirectory: string;
  /** `syntx.initializationOptions`: more of the config tree, as JSON. */
  initializationOptions: Record<string, unknown>;
}

export const defaultSettings: Settings = {
  path: "syntx",
  persona: "",
  threshold: null,
  dataDirectory: "",
  initializationOptions: {},
};

/** The languages the server handles (LSP language ids = VS Code ids). */
export const languages = [
  "go",
  "python",
  "javascript",
  "javascriptreact",
  "typescript",
  "typescriptreact",
] as const;

/** The built-in personas (DESIGN.md, config `[personas]`). */
export const builtinPersonas = ["developer", "security-reviewer", "performance-auditor"];

type Get = (key: string) => unknown;

/**
 * The settings a repository must not control: the binary (running a
 * workspace-chosen path is running the repository's code), the data
 * directory, the persona (whose feedback you give, and its weight) and the
 * free-form initializationOptions (privacy, model paths, limits). package.json
 * declares them `"scope": "machine"`, so VS Code ignores them in workspace
 * settings (.vscode/settings.json is the repository's); userLevel reads them
 * from the user's settings only, whatever VS Code version applies the scope.
 */
export const userOnlyKeys = ["path", "dataDirectory", "persona", "initializationOptions"];

/** What `WorkspaceConfiguration.inspect` returns. */
export interface Inspected {
  defaultValue?: unknown;
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/**
 * userLevel wraps a getter so that the keys of userOnlyKeys come from the
 * user's (global) settings or the default, never a workspace's.
 */
export function userLevel(get: Get, inspect?: (key: string) => Inspected | undefined): Get {
  return (key: string) => {
    if (!inspect || !userOnlyKeys.includes(key)) {
      return get(key);
    }
    const i = inspect(key);
    return i?.globalValue !== undefined ? i.globalValue : i?.defaultValue;
  };
}

/**
 * The initializationOptions key that carries VS Code's workspace trust. It
 * is not part of the config tree; the server takes it out.
 */
export const trustOption = "workspaceTrust";

/**
 * readSettings turns a configuration getter (`workspace.getConfiguration("syntx").get`)
 * into Settings, replacing values of the wrong type by the defaults so a
 * hand-edited settings.json cannot crash activation.
 */
export function readSettings(get: Get): Settings {
  const str = (key: keyof Settings): string => {
    const v = get(key);
    return typeof v === "string" ? v.trim() : (defaultSettings[key] as string);
  };
  const t = get("threshold");
  const init = get("initializationOptions");
  return {
    path: str("path") || defaultSettings.path,
    persona: str("persona"),
    threshold: typeof t === "number" && Number.isFinite(t) ? t : null,
    dataDirectory: str("dataDirectory"),
    initializationOptions: isObject(init) ? init : {},
  };
}

/** Problems with settings that the user should hear about. */
export function validate(s: Settings): string[] {
  const out: string[] = [];
  if (s.threshold !== null && (s.threshold < 0 || s.threshold > 1)) {
    out.push(`syntx.threshold must be between 0 and 1 (got ${s.threshold}); the server's value is used`);
  }
  if (/\s/.test(s.persona)) {
    out.push(`syntx.persona must be one word (got "${s.persona}")`);
  }
  return out;
}

/**
 * initializationOptions builds what the server receives in `initialize`:
 * the same tree as config.toml. `syntx.initializationOptions` is the base;
 * `syntx.persona` and `syntx.threshold`, when set, win over it. When
 * `trusted` is given (VS Code's `workspace.isTrusted`), it goes as
 * `workspaceTrust`, replacing anything the settings said under that key: the
 * workspace's own .syntx/rules and .syntx/config.toml load only in a trusted
 * workspace.
 */
export function initializationOptions(s: Settings, trusted?: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = deepCopy(s.initializationOptions);
  delete out[trustOption];
  if (trusted !== undefined) {
    out[trustOption] = trusted;
  }
  if (s.persona !== "") {
    out.persona = s.persona;
  }
  if (s.threshold !== null && s.threshold >= 0 && s.threshold <= 1) {
    const policy = isObject(out.policy) ? out.policy : {};
    out.policy = { ...policy, threshold: s.threshold };
  }
  return out;
}

/** Where `~` and `${workspaceFolder}` point, for expansion. */
export interface Places {
  home: string;
  workspaceFolder?: string;
}

/** expand replaces a leading `~` and `${workspaceFolder}` / `${userHome}`. */
export function expand(p: string, places: Places): string {
  let out = p;
  if (out === "~" || out.startsWith("~/") || out.startsWith("~\\")) {
    out = places.home + out.slice(1);
  }
  out = out.split("${userHome}").join(places.home);
  if (places.workspaceFolder !== undefined) {
    out = out.split("${workspaceFolder}").join(places.workspaceFolder);
  }
  return out;
}

/** How to start the server: a command, its arguments, its environment. */
export interface ServerCommand {
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
}

/**
 * serverCommand: `<path> serve`, with the parent environment plus
 * SYNTX_HOME when a data directory is set.
 */
export function serverCommand(
  s: Settings,
  places: Places,
  parentEnv: Record<string, string | undefined>,
): ServerCommand {
  const env: Record<string, string | undefined> = { ...parentEnv };
  if (s.dataDirectory !== "") {
    env.SYNTX_HOME = expand(s.dataDirectory, places);
  }
  return { command: expand(s.path, places), args: ["serve"], env };
}

/** What changed between two Settings, and so what the extension must do. */
export type Reaction = "none" | "restart" | "configure";

/**
 * reaction: a different binary or data directory needs a new server process;
 * persona, threshold or extra options are sent to the running server
 * (workspace/didChangeConfiguration with the new initializationOptions).
 */
export function reaction(before: Settings, after: Settings): Reaction {
  if (before.path !== after.path || before.dataDirectory !== after.dataDirectory) {
    return "restart";
  }
  if (
    JSON.stringify(initializationOptions(before)) !== JSON.stringify(initializationOptions(after))
  ) {
    return "configure";
  }
  return "none";
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function deepCopy(v: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
}
