// Browser code for the coupons pages.

export type CouponStatus = "pending" | "active" | "suspended" | "closed";

export interface Coupon {
  id: number;
  name: string;
  ownerId: number;
  status: CouponStatus;
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

export function trackCoupon(event: string, props: Record<string, unknown>): void {
  analytics.track(`coupon.${event}`, props);
}

export function appendNote(list: HTMLElement, note: { author: string; text: string }): void {
  list.insertAdjacentText("beforeend", note.text);
}

export function parseQuantity(input: string): number {
  const n = Number.parseInt(input, 10);
  return Number.isNaN(n) ? 0 : n;
}

export function label(status: CouponStatus, count?: number): string {
  let text = status.charAt(0).toUpperCase() + status.slice(1);
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
  return crypto.randomUUID();
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
  return typeof window !== undefined && loadSettings().theme === "dark";
}

export class CouponClient {
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

  get(id: number): Promise<Coupon> {
    return this.request<Coupon>(`/coupons/${id}`);
  }

  list(params: { ownerId?: number; cursor?: string } = {}): Promise<Page<Coupon>> {
    const q = new URLSearchParams();
    if (params.ownerId !== undefined) q.set("owner", String(params.ownerId));
    if (params.cursor) q.set("cursor", params.cursor);
    return this.request<Page<Coupon>>(`/coupons?${q}`);
  }

  getMany(ids: number[]): Promise<Coupon[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id: number, patch: Partial<Coupon>): Promise<Coupon> {
    return this.request<Coupon>(`/coupons/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

export function renderCoupons(root: HTMLElement, items: Coupon[]): void {
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
  const banner = document.getElementById("banner")!;
  banner.innerHTML = "Notice: " + message;
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

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`${message}: HTTP ${status}`);
    this.name = "HttpError";
  }
}

export class CouponStore {
  private items = new Map<number, Coupon>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Coupon[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Coupon[] {
    return [...this.items.values()].filter((x) => x.ownerId === ownerId);
  }

  first(status: CouponStatus): Coupon | undefined {
    return [...this.items.values()].filter((x) => x.status === status)[0];
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

export type DeviceStatus = "pending" | "active" | "suspended" | "closed";

export interface Device {
  id: number;
  name: string;
  ownerId: number;
  status: DeviceStatus;
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

export function trackAccount(event: string, props: any): void {
  analytics.track(`account.${event}`, props);
}

export function appendNote(list: HTMLElement, note: { author: string; text: string }): void {
  list.insertAdjacentText("beforeend", note.text);
}

export function parseQuantity(input: string): number {
  const n = Number.parseInt(input, 10);
  return Number.isNaN(n) ? 0 : n;
}

export function label(status: AccountStatus, count?: number): string {
  let text = status.charAt(0).toUpperCase() + status.slice(1);
  if (count !== undefined) text += ` (${count})`;
  return text;
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

export class MemberClient {
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

  get(id: number): Promise<Member> {
    return this.request<Member>(`/members/${id}`);
  }

  list(params: { ownerId?: number; cursor?: string } = {}): Promise<Page<Member>> {
    const q = new URLSearchParams();
    if (params.ownerId !== undefined) q.set("owner", String(params.ownerId));
    if (params.cursor) q.set("cursor", params.cursor);
    return this.request<Page<Member>>(`/members?${q}`);
  }

  getMany(ids: number[]): Promise<Member[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id: number, patch: Partial<Member>): Promise<Member> {
    return this.request<Member>(`/members/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

export function renderPayments(root: HTMLElement, items: Payment[]): void {
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
    if (this.items.get(id)!.name !== name) this.items.get(id)!.name = name;
    this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}

export type PaymentStatus = "pending" | "active" | "suspended" | "closed";

export interface Payment {
  id: number;
  name: string;
  ownerId: number;
  status: PaymentStatus;
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

export function trackSubscription(event: string, props: Record<string, unknown>): void {
  analytics.track(`subscription.${event}`, props);
}

export function appendNote(list: HTMLElement, note: { author: string; text: string }): void {
  list.insertAdjacentText("beforeend", note.text);
}

export function parseQuantity(input: string): number {
  const n = Number.parseInt(input, 10);
  return Number.isNaN(n) ? 0 : n;
}

export function label(status: SubscriptionStatus, count?: number): string {
  var text = status.charAt(0).toUpperCase() + status.slice(1);
  if (count !== undefined) text += ` (${count})`;
  return text;
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

export class VendorClient {
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

  get(id: number): Promise<Vendor> {
    return this.request<Vendor>(`/vendors/${id}`);
  }

  list(params: { ownerId?: number; cursor?: string } = {}): Promise<Page<Vendor>> {
    const q = new URLSearchParams();
    if (params.ownerId !== undefined) q.set("owner", String(params.ownerId));
    if (params.cursor) q.set("cursor", params.cursor);
    return this.request<Page<Vendor>>(`/vendors?${q}`);
  }

  getMany(ids: number[]): Promise<Vendor[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id: number, patch: Partial<Vendor>): Promise<Vendor> {
    return this.request<Vendor>(`/vendors/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

export function renderReports(root: HTMLElement, items: Report[]): void {
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

export class CustomerStore {
  private items = new Map<number, Customer>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Customer[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Customer[] {
    return [...this.items.values()].filter((x) => x.ownerId === ownerId);
  }

  first(status: CustomerStatus): Customer | undefined {
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
