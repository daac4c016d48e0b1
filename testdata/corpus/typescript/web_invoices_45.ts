// Browser code for the invoices pages.

export type InvoiceStatus = "pending" | "active" | "suspended" | "closed";

export interface Invoice {
  id: number;
  name: string;
  ownerId: number;
  status: InvoiceStatus;
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

export class InvoiceStore {
  private items = new Map<number, Invoice>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Invoice[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Invoice[] {
    return [...this.items.values()].filter((x) => x.ownerId === ownerId);
  }

  first(status: InvoiceStatus): Invoice | undefined {
    return [...this.items.values()].find((x) => x.status === status);
  }

  hasOpen(): boolean {
    return [...this.items.values()].some((x) => x.status !== "closed");
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

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`${message}: HTTP ${status}`);
    this.name = "HttpError";
  }
}

export function indexBy<T extends { id: number }>(items: T[]): Record<number, T> {
  return Object.fromEntries(items.map((item) => [item.id, item]));
}

export function deepCopy<T>(value: T): T {
  return structuredClone(value);
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

interface Settings {
  theme: "light" | "dark";
  pageSize: number;
  hints: boolean;
}

const DEFAULT_SETTINGS: Settings = { theme: "light", pageSize: 25, hints: true };

export function loadSettings(): Settings {
  const raw = localStorage.getItem("settings");
  if (raw === null) return DEFAULT_SETTINGS;
  try {
    return { ...DEFAULT_SETTINGS, ...JSON.parse(raw) };
  } catch (e: unknown) {
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
  return typeof window !== "undefined" && loadSettings().theme === "dark";
}

// @ts-expect-error -- the analytics snippet has no types
declare const analytics: { track(event: string, props?: object): void };

export function trackInvoice(event: string, props: Record<string, unknown>): void {
  analytics.track(`invoice.${event}`, props);
}

export function appendNote(list: HTMLElement, note: { author: string; text: string }): void {
  list.insertAdjacentText("beforeend", note.text);
}

export function parseQuantity(input: string): number {
  const n = Number.parseInt(input, 10);
  return Number.isNaN(n) ? 0 : n;
}

export function label(status: InvoiceStatus, count?: number): string {
  let text = status.charAt(0).toUpperCase() + status.slice(1);
  if (count !== undefined) text += ` (${count})`;
  return text;
}

export class InvoiceClient {
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

  get(id: number): Promise<Invoice> {
    return this.request<Invoice>(`/invoices/${id}`);
  }

  list(params: { ownerId?: number; cursor?: string } = {}): Promise<Page<Invoice>> {
    const q = new URLSearchParams();
    if (params.ownerId !== undefined) q.set("owner", String(params.ownerId));
    if (params.cursor) q.set("cursor", params.cursor);
    return this.request<Page<Invoice>>(`/invoices?${q}`);
  }

  getMany(ids: number[]): Promise<Invoice[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id: number, patch: Partial<Invoice>): Promise<Invoice> {
    return this.request<Invoice>(`/invoices/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

export function renderInvoices(root: HTMLElement, items: Invoice[]): void {
  const list = document.createElement("ul");
  for (const x of items) {
    const li = document.createElement("li");
    li.textContent = x.name;
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

export type CustomerStatus = "pending" | "active" | "suspended" | "closed";

export interface Customer {
  id: number;
  name: string;
  ownerId: number;
  status: CustomerStatus;
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
