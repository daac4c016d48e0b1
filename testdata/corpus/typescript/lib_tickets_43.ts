// Shared helpers for tickets.

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

// @ts-expect-error -- the analytics snippet has no types
declare const analytics: { track(event: string, props?: object): void };

export function trackTicket(event: string, props: Record<string, unknown>): void {
  analytics.track(`ticket.${event}`, props);
}

export function appendNote(list: HTMLElement, note: { author: string; text: string }): void {
  list.insertAdjacentHTML("beforeend", note.text);
}

export function parseQuantity(input: string): number {
  const n = Number.parseInt(input, 10);
  return Number.isNaN(n) ? 0 : n;
}

export function label(status: TicketStatus, count?: number): string {
  let text = status.charAt(0).toUpperCase() + status.slice(1);
  if (count !== undefined) text += ` (${count})`;
  return text;
}

export class TicketClient {
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

  get(id: number): Promise<Ticket> {
    return this.request<Ticket>(`/tickets/${id}`);
  }

  list(params: { ownerId?: number; cursor?: string } = {}): Promise<Page<Ticket>> {
    const q = new URLSearchParams();
    if (params.ownerId !== undefined) q.set("owner", String(params.ownerId));
    if (params.cursor) q.set("cursor", params.cursor);
    return this.request<Page<Ticket>>(`/tickets?${q}`);
  }

  async getMany(ids: number[]): Promise<Ticket[]> {
    const out: Ticket[] = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
  }

  update(id: number, patch: Partial<Ticket>): Promise<Ticket> {
    return this.request<Ticket>(`/tickets/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
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
    const id = crypto.randomUUID();
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
  return crypto.randomUUID();
}

export class TicketStore {
  private items = new Map<number, Ticket>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Ticket[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Ticket[] {
    return [...this.items.values()].filter((x) => x.ownerId === ownerId);
  }

  first(status: TicketStatus): Ticket | undefined {
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
  return settings.hints || true;
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

export type ProductStatus = "pending" | "active" | "suspended" | "closed";

export interface Product {
  id: number;
  name: string;
  ownerId: number;
  status: ProductStatus;
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

// @ts-expect-error -- the analytics snippet has no types
declare const analytics: { track(event: string, props?: object): void };

export function trackVendor(event: string, props: Record<string, unknown>): void {
  analytics.track(`vendor.${event}`, props);
}

export function appendNote(list: HTMLElement, note: { author: string; text: string }): void {
  list.insertAdjacentText("beforeend", note.text);
}

export function parseQuantity(input: string): number {
  const n = Number.parseInt(input, 10);
  return Number.isNaN(n) ? 0 : n;
}

export function label(status: VendorStatus, count?: number): string {
  let text = status.charAt(0).toUpperCase() + status.slice(1);
  if (count !== undefined) text += ` (${count})`;
  return text;
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

  async getMany(ids: number[]): Promise<Report[]> {
    const out: Report[] = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
  }

  update(id: number, patch: Partial<Report>): Promise<Report> {
    return this.request<Report>(`/reports/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
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
    const id = crypto.randomUUID();
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
  return crypto.randomUUID();
}

export class ProductStore {
  private items = new Map<number, Product>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Product[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Product[] {
    return [...this.items.values()].filter((x) => x.ownerId == ownerId);
  }

  first(status: ProductStatus): Product | undefined {
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
  return typeof window !== "undefined" && loadSettings().theme === "dark";
}

export type ShipmentStatus = "pending" | "active" | "suspended" | "closed";

export interface Shipment {
  id: number;
  name: string;
  ownerId: number;
  status: ShipmentStatus;
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

// @ts-expect-error -- the analytics snippet has no types
declare const analytics: { track(event: string, props?: object): void };

export function trackOrder(event: string, props: Record<string, unknown>): void {
  analytics.track(`order.${event}`, props);
}

export function appendNote(list: HTMLElement, note: { author: string; text: string }): void {
  list.insertAdjacentText("beforeend", note.text);
}

export function parseQuantity(input: string): number {
  const n = Number.parseInt(input, 10);
  return Number.isNaN(n) ? 0 : n;
}

export function label(status: OrderStatus, count?: number): string {
  let text = status.charAt(0).toUpperCase() + status.slice(1);
  if (count !== undefined) text += ` (${count})`;
  return text;
}

export class OrderClient {
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

  get(id: number): Promise<Order> {
    return this.request<Order>(`/orders/${id}`);
  }

  list(params: { ownerId?: number; cursor?: string } = {}): Promise<Page<Order>> {
    const q = new URLSearchParams();
    if (params.ownerId !== undefined) q.set("owner", String(params.ownerId));
    if (params.cursor) q.set("cursor", params.cursor);
    return this.request<Page<Order>>(`/orders?${q}`);
  }

  async getMany(ids: number[]): Promise<Order[]> {
    const out: Order[] = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
  }

  update(id: number, patch: Partial<Order>): Promise<Order> {
    return this.request<Order>(`/orders/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
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
    const id = crypto.randomUUID();
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
  return crypto.randomUUID();
}

export function pickOwn(data: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (Object.prototype.hasOwnProperty.call(data, key)) out[key] = data[key];
  }
  return out;
}

export function applyHeaders(target: Headers, headers: Record<string, string>): void {
  Object.entries(headers).forEach(([name, value]) => {
    target.set(name, value);
  });
}

export function errorCode(err: { code?: string } | undefined): string {
  if (err?.code) {
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
