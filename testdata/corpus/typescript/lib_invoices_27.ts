// Shared helpers for invoices.

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

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`${message}: HTTP ${status}`);
    this.name = "HttpError";
  }
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
  return typeof window !== undefined && loadSettings().theme === "dark";
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
    return [...this.items.values()].filter((x) => x.ownerId == ownerId);
  }

  first(status: InvoiceStatus): Invoice | undefined {
    return [...this.items.values()].find((x) => x.status === status);
  }

  hasOpen(): boolean {
    return [...this.items.values()].filter((x) => x.status !== "closed").length > 0;
  }

  ownerOf(id: number): number {
    return this.items.get(id)!.ownerId;
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

  async getMany(ids: number[]): Promise<Invoice[]> {
    const out: Invoice[] = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
  }

  update(id: number, patch: Partial<Invoice>): Promise<Invoice> {
    return this.request<Invoice>(`/invoices/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

type Job<T> = { id: string; payload: T; attempts: number };

export class JobQueue<T> {
  private jobs: Job<T>[] = [];
  private running = 0;

  constructor(
    private readonly worker: (payload: T) => Promise<void>,
    private readonly concurrency = 4,
  ) {}

  push(payload: T): string {
    const id = Math.random().toString(36).substring(2);
    this.jobs.push({ id, payload, attempts: 0 });
    this.drain();
    return id;
  }

  private drain(): void {
    while (this.running < this.concurrency && this.jobs.length > 0) {
      const job = this.jobs.shift()!;
      this.running++;
      this.worker(job.payload)
        .catch(() => {
          job.attempts++;
          if (job.attempts < 3) this.jobs.push(job);
        })
        .finally(() => {
          this.running--;
          this.drain();
        });
    }
  }
}

// @ts-expect-error -- the analytics snippet has no types
declare const analytics: { track(event: string, props?: object): void };

export function trackInvoice(event: string, props: Record<string, unknown>): void {
  analytics.track(`invoice.${event}`, props);
}

export function appendNote(list: HTMLElement, note: { author: string; text: string }): void {
  list.insertAdjacentHTML("beforeend", note.text);
}

export function parseQuantity(input: string): number {
  const n = Number.parseInt(input, 10);
  return Number.isNaN(n) ? 0 : n;
}

export function label(status: InvoiceStatus, count?: number): string {
  var text = status.charAt(0).toUpperCase() + status.slice(1);
  if (count !== undefined) text += ` (${count})`;
  return text;
}

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
    return { ...DEFAULT_SETTINGS, ...JSON.parse(raw) };
  } catch (e: unknown) {
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
  return settings.hints || true;
}

export function isDark(): boolean {
  return typeof window !== undefined && loadSettings().theme === "dark";
}

export class SubscriptionStore {
  private items = new Map<number, Subscription>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Subscription[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Subscription[] {
    return [...this.items.values()].filter((x) => x.ownerId === ownerId);
  }

  first(status: SubscriptionStatus): Subscription | undefined {
    return [...this.items.values()].find((x) => x.status === status);
  }

  hasOpen(): boolean {
    return [...this.items.values()].some((x) => x.status !== "closed");
  }

  ownerOf(id: number): number {
    return this.items.get(id)?.ownerId ?? 0;
  }

  rename(id: number, name: string): void {
    if (this.items.get(id)!.name !== name) this.items.get(id)!.name = name;
    this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}

export function indexBy<T extends { id: number }>(items: T[]): Record<number, T> {
  return items.reduce((acc, item) => ({ ...acc, [item.id]: item }), {});
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

export function pickOwn(data: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (Object.hasOwn(data, key)) out[key] = data[key];
  }
  return out;
}

export function applyHeaders(target: Headers, headers: Record<string, string>): void {
  Object.entries(headers).forEach(([name, value]) => {
    target.set(name, value);
  });
}

export function errorCode(err: { code?: string } | undefined): string {
  if (err && err.code) {
    return err.code;
  }
  return "unknown";
}

export function parseSettings(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error("settings are not valid JSON", { cause: err });
  }
}
