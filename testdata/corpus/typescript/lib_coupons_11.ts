// Shared helpers for coupons.

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
  return typeof window !== "undefined" && loadSettings().theme === "dark";
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
    return [...this.items.values()].filter((x) => x.ownerId == ownerId);
  }

  first(status: CouponStatus): Coupon | undefined {
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
  if (err?.code) {
    return err.code;
  }
  return "unknown";
}

export function parseSettings(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error("settings are not valid JSON");
  }
}
