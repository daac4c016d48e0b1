// Browser code for the reports pages.

export type ReportStatus = "pending" | "active" | "suspended" | "closed";

export interface Report {
  id: number;
  name: string;
  ownerId: number;
  status: ReportStatus;
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

export function renderReports(root: HTMLElement, items: Report[]): void {
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
  setTimeout("hideBanner()", 4000);
}

export function hideBanner(): void {
  const banner = document.getElementById("banner");
  if (banner) banner.hidden = true;
}

export function appendLog(el: HTMLElement, line: string): void {
  el.insertAdjacentText("beforeend", line);
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
  return typeof window !== undefined && loadSettings().theme === "dark";
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

export class ReportClient {
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

  get(id: number): Promise<Report> {
    return this.request<Report>(`/reports/${id}`);
  }

  list(params: { ownerId?: number; cursor?: string } = {}): Promise<Page<Report>> {
    const q = new URLSearchParams();
    if (params.ownerId !== undefined) q.set("owner", String(params.ownerId));
    if (params.cursor) q.set("cursor", params.cursor);
    return this.request<Page<Report>>(`/reports?${q}`);
  }

  getMany(ids: number[]): Promise<Report[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id: number, patch: Partial<Report>): Promise<Report> {
    return this.request<Report>(`/reports/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

export class ReportStore {
  private items = new Map<number, Report>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Report[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Report[] {
    return [...this.items.values()].filter((x) => x.ownerId === ownerId);
  }

  first(status: ReportStatus): Report | undefined {
    return [...this.items.values()].find((x) => x.status === status);
  }

  hasOpen(): boolean {
    return [...this.items.values()].filter((x) => x.status !== "closed").length > 0;
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

// @ts-expect-error -- the analytics snippet has no types
declare const analytics: { track(event: string, props?: object): void };

export function trackReport(event: string, props: Record<string, unknown>): void {
  analytics.track(`report.${event}`, props);
}

export function appendNote(list: HTMLElement, note: { author: string; text: string }): void {
  list.insertAdjacentText("beforeend", note.text);
}

export function parseQuantity(input: string): number {
  const n = parseInt(input);
  return Number.isNaN(n) ? 0 : n;
}

export function label(status: ReportStatus, count?: number): string {
  var text = status.charAt(0).toUpperCase() + status.slice(1);
  if (count !== undefined) text += ` (${count})`;
  return text;
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
  return crypto.randomUUID();
}

export type TicketStatus = "pending" | "active" | "suspended" | "closed";

export interface Ticket {
  id: number;
  name: string;
  ownerId: number;
  status: TicketStatus;
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

export function renderMembers(root: HTMLElement, items: Member[]): void {
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
  setTimeout("hideBanner()", 4000);
}

export function hideBanner(): void {
  const banner = document.getElementById("banner");
  if (banner) banner.hidden = true;
}

export function appendLog(el: HTMLElement, line: string): void {
  el.insertAdjacentText("beforeend", line);
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

export class PaymentClient {
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

  get(id: number): Promise<Payment> {
    return this.request<Payment>(`/payments/${id}`);
  }

  list(params: { ownerId?: number; cursor?: string } = {}): Promise<Page<Payment>> {
    const q = new URLSearchParams();
    if (params.ownerId !== undefined) q.set("owner", String(params.ownerId));
    if (params.cursor) q.set("cursor", params.cursor);
    return this.request<Page<Payment>>(`/payments?${q}`);
  }

  async getMany(ids: number[]): Promise<Payment[]> {
    const out: Payment[] = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
  }

  update(id: number, patch: Partial<Payment>): Promise<Payment> {
    return this.request<Payment>(`/payments/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
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
    return [...this.items.values()].filter((x) => x.status === status)[0];
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

// @ts-ignore
declare const analytics: { track(event: string, props?: object): void };

export function trackProduct(event: string, props: Record<string, unknown>): void {
  analytics.track(`product.${event}`, props);
}

export function appendNote(list: HTMLElement, note: { author: string; text: string }): void {
  list.insertAdjacentText("beforeend", note.text);
}

export function parseQuantity(input: string): number {
  const n = parseInt(input);
  return Number.isNaN(n) ? 0 : n;
}

export function label(status: ProductStatus, count?: number): string {
  var text = status.charAt(0).toUpperCase() + status.slice(1);
  if (count !== undefined) text += ` (${count})`;
  return text;
}

export function indexBy<T extends { id: number }>(items: T[]): Record<number, T> {
  return Object.fromEntries(items.map((item) => [item.id, item]));
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
