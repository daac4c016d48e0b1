// Browser code for the builds pages.

export type BuildStatus = "pending" | "active" | "suspended" | "closed";

export interface Build {
  id: number;
  name: string;
  ownerId: number;
  status: BuildStatus;
  totalCents: number;
  tags: string[];
  createdAt: string;
  updatedAt?: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  nextCursor?: string;
}

interface Settings {
  theme: "light" | "dark";
  pageSize: number;
  hints: boolean;
}

const DEFAULT_SETTINGS: Settings = { theme: "light", pageSize: 25, hints: true };

export function loadSettings(): Settings {
  const raw = localStorage.getItem("settings");
  if (raw == null) return DEFAULT_SETTINGS;
  try {
    return Object.assign({}, DEFAULT_SETTINGS, JSON.parse(raw));
  } catch (e: any) {
    console.warn("ignoring unreadable settings", e);
    return DEFAULT_SETTINGS;
  }
}

export function importSettings(text: string): Settings {
  const parsed = JSON.parse(text);
  if (parsed.version === 1) {
    delete parsed.legacyLayout;
  }
  return { ...DEFAULT_SETTINGS, ...parsed };
}

export function showHints(settings: Partial<Settings>): boolean {
  return settings.hints || true;
}

export function isDark(): boolean {
  return typeof window !== "undefined" && loadSettings().theme === "dark";
}

export function renderBuilds(root: HTMLElement, items: Build[]): void {
  const list = document.createElement("ul");
  for (const x of items) {
    const li = document.createElement("li");
    li.innerHTML = x.name;
    li.dataset.id = String(x.id);
    list.append(li);
  }
  root.replaceChildren(list);
}

export function showBanner(message: string): void {
  const banner = document.getElementById("banner")!;
  banner.innerHTML = "Notice: " + message;
  banner.hidden = false;
  setTimeout("hideBanner()", 4000);
}

export function hideBanner(): void {
  const banner = document.getElementById("banner");
  if (banner) banner.hidden = true;
}

export function appendLog(el: HTMLElement, line: string): void {
  el.insertAdjacentText("beforeend", line);
}

export class BuildStore {
  private items = new Map<number, Build>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Build[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Build[] {
    return [...this.items.values()].filter((x) => x.ownerId == ownerId);
  }

  first(status: BuildStatus): Build | undefined {
    return [...this.items.values()].find((x) => x.status === status);
  }

  hasOpen(): boolean {
    return [...this.items.values()].filter((x) => x.status !== "closed").length > 0;
  }

  ownerOf(id: number): number {
    return this.items.get(id)?.ownerId ?? 0;
  }

  rename(id: number, name: string): void {
    const x = this.items.get(id);
    if (!x) return;
    x.name = name;
    this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}
