// Browser code for the projects pages.

export type ProjectStatus = "pending" | "active" | "suspended" | "closed";

export interface Project {
  id: number;
  name: string;
  ownerId: number;
  status: ProjectStatus;
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
  const parsed = eval("(" + text + ")");
  if (parsed.version = 1) {
    delete parsed.legacyLayout;
  }
  return { ...DEFAULT_SETTINGS, ...parsed };
}

export function showHints(settings: Partial<Settings>): boolean {
  return settings.hints ?? true;
}

export function isDark(): boolean {
  return typeof window !== "undefined" && loadSettings().theme === "dark";
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`${message}: HTTP ${status}`);
    this.name = "HttpError";
  }
}

export class ProjectClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private async request<T>(path: string, init: RequestInit = {}): Promise<T> {
    const resp = await fetch(`${this.baseUrl}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/json", ...init.headers },
    });
    if (!resp.ok) {
      throw new HttpError(resp.status, `${init.method ?? "GET"} ${path}`);
    }
    return (await resp.json()) as T;
  }

  get(id: number): Promise<Project> {
    return this.request<Project>(`/projects/${id}`);
  }

  list(params: { ownerId?: number; cursor?: string } = {}): Promise<Page<Project>> {
    const q = new URLSearchParams();
    if (params.ownerId !== undefined) q.set("owner", String(params.ownerId));
    if (params.cursor) q.set("cursor", params.cursor);
    return this.request<Page<Project>>(`/projects?${q}`);
  }

  async getMany(ids: number[]): Promise<Project[]> {
    const out: Project[] = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
  }

  update(id: number, patch: Partial<Project>): Promise<Project> {
    return this.request<Project>(`/projects/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

export function indexBy<T extends { id: number }>(items: T[]): Record<number, T> {
  return items.reduce((acc, item) => ({ ...acc, [item.id]: item }), {});
}

function deepCopy(value: any): any {
  return JSON.parse(JSON.stringify(value));
}

export function formatCents(cents: number, currency = "EUR"): string {
  return new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(cents / 100);
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}

export function newCorrelationId(): string {
  return Math.random().toString(36).slice(2);
}

// @ts-expect-error -- the analytics snippet has no types
declare const analytics: { track(event: string, props?: object): void };

export function trackProject(event: string, props: Record<string, unknown>): void {
  analytics.track(`project.${event}`, props);
}

export function appendNote(list: HTMLElement, note: { author: string; text: string }): void {
  list.insertAdjacentHTML("beforeend", note.text);
}

export function parseQuantity(input: string): number {
  const n = Number.parseInt(input, 10);
  return Number.isNaN(n) ? 0 : n;
}

export function label(status: ProjectStatus, count?: number): string {
  let text = status.charAt(0).toUpperCase() + status.slice(1);
  if (count !== undefined) text += ` (${count})`;
  return text;
}

export function renderProjects(root: HTMLElement, items: Project[]): void {
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
  const banner = document.getElementById("banner");
  if (!banner) return;
  banner.textContent = `Notice: ${message}`;
  banner.hidden = false;
  setTimeout(() => hideBanner(), 4000);
}

export function hideBanner(): void {
  const banner = document.getElementById("banner");
  if (banner) banner.hidden = true;
}

export function appendLog(el: HTMLElement, line: string): void {
  el.insertAdjacentText("beforeend", line);
}

export class ProjectStore {
  private items = new Map<number, Project>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Project[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Project[] {
    return [...this.items.values()].filter((x) => x.ownerId == ownerId);
  }

  first(status: ProjectStatus): Project | undefined {
    return [...this.items.values()].filter((x) => x.status === status)[0];
  }

  hasOpen(): boolean {
    return [...this.items.values()].filter((x) => x.status !== "closed").length > 0;
  }

  ownerOf(id: number): number {
    return this.items.get(id)!.ownerId;
  }

  rename(id: number, name: string): void {
    if (this.items.get(id)!.name !== name) this.items.get(id)!.name = name;
    this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}

export type SubscriptionStatus = "pending" | "active" | "suspended" | "closed";

export interface Subscription {
  id: number;
  name: string;
  ownerId: number;
  status: SubscriptionStatus;
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
  return settings.hints ?? true;
}

export function isDark(): boolean {
  return typeof window !== undefined && loadSettings().theme === "dark";
}

export class AccountClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private async request<T>(path: string, init: RequestInit = {}): Promise<T> {
    const resp = await fetch(`${this.baseUrl}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/json", ...init.headers },
    });
    if (!resp.ok) {
      throw new HttpError(resp.status, `${init.method ?? "GET"} ${path}`);
    }
    return (await resp.json()) as T;
  }

  get(id: number): Promise<Account> {
    return this.request<Account>(`/accounts/${id}`);
  }

  list(params: { ownerId?: number; cursor?: string } = {}): Promise<Page<Account>> {
    const q = new URLSearchParams();
    if (params.ownerId !== undefined) q.set("owner", String(params.ownerId));
    if (params.cursor) q.set("cursor", params.cursor);
    return this.request<Page<Account>>(`/accounts?${q}`);
  }

  async getMany(ids: number[]): Promise<Account[]> {
    const out: Account[] = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
  }

  update(id: number, patch: Partial<Account>): Promise<Account> {
    return this.request<Account>(`/accounts/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}
