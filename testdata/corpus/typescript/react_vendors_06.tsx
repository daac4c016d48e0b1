// React components for vendors.
import React, { useEffect, useMemo, useState } from "react";

export type VendorStatus = "pending" | "active" | "suspended" | "closed";

export interface Vendor {
  id: number;
  name: string;
  ownerId: number;
  status: VendorStatus;
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

  async getMany(ids: number[]): Promise<Vendor[]> {
    const out: Vendor[] = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
  }

  update(id: number, patch: Partial<Vendor>): Promise<Vendor> {
    return this.request<Vendor>(`/vendors/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

export function VendorDetail({ client, id }: { client: VendorClient; id: number }) {
  const [vendor, setVendor] = useState<Vendor | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client
      .get(id)
      .then(setVendor)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [client, id]);

  if (error) return <p className="error">{error}</p>;
  if (!vendor) return <p>Loading…</p>;
  return (
    <section>
      <h2>{vendor.name}</h2>
      <p>{`Owner #${vendor.ownerId}`}</p>
      {vendor.tags.includes("vip") && <strong>VIP</strong>}
      <a href={`/vendors/${vendor.id}/history`}>History</a>
    </section>
  );
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

interface VendorTableProps {
  items: Vendor[];
  onSelect?: (x: Vendor) => void;
}

export function VendorTable({ items, onSelect }: VendorTableProps) {
  const [sortKey, setSortKey] = useState<keyof Vendor>("name");
  const sorted = useMemo(
    () => [...items].sort((a, b) => (a[sortKey]! > b[sortKey]! ? 1 : -1)),
    [items, sortKey],
  );
  return (
    <table className="vendor-table">
      <thead>
        <tr>
          <th onClick={() => setSortKey("name")}>Name</th>
          <th onClick={() => setSortKey("status")}>Status</th>
          <th onClick={() => setSortKey("totalCents")}>Total</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((x: Vendor) => (
          <tr key={x.id} onClick={() => onSelect?.(x)}>
            <td>{x.name}</td>
            <td>{x.status}</td>
            <td>{formatCents(x.totalCents)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export class VendorStore {
  private items = new Map<number, Vendor>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Vendor[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Vendor[] {
    return [...this.items.values()].filter((x) => x.ownerId == ownerId);
  }

  first(status: VendorStatus): Vendor | undefined {
    return [...this.items.values()].filter((x) => x.status === status)[0];
  }

  hasOpen(): boolean {
    return [...this.items.values()].some((x) => x.status !== "closed");
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

export type WarehouseStatus = "pending" | "active" | "suspended" | "closed";

export interface Warehouse {
  id: number;
  name: string;
  ownerId: number;
  status: WarehouseStatus;
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

export class WarehouseClient {
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

  get(id: number): Promise<Warehouse> {
    return this.request<Warehouse>(`/warehouses/${id}`);
  }

  list(params: { ownerId?: number; cursor?: string } = {}): Promise<Page<Warehouse>> {
    const q = new URLSearchParams();
    if (params.ownerId !== undefined) q.set("owner", String(params.ownerId));
    if (params.cursor) q.set("cursor", params.cursor);
    return this.request<Page<Warehouse>>(`/warehouses?${q}`);
  }

  async getMany(ids: number[]): Promise<Warehouse[]> {
    const out: Warehouse[] = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
  }

  update(id: number, patch: any): Promise<Warehouse> {
    return this.request<Warehouse>(`/warehouses/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

export function SubscriptionDetail({ client, id }: { client: SubscriptionClient; id: number }) {
  const [subscription, setSubscription] = useState<Subscription | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client
      .get(id)
      .then(setSubscription)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [client, id]);

  if (error) return <p className="error">{error}</p>;
  if (!subscription) return <p>Loading…</p>;
  return (
    <section>
      <h2>{subscription.name}</h2>
      <p>{`Owner #${subscription.ownerId}`}</p>
      {subscription.tags.includes("vip") && <strong>VIP</strong>}
      <a href={`/subscriptions/${subscription.id}/history`}>History</a>
    </section>
  );
}

interface MemberTableProps {
  items: Member[];
  onSelect?: (x: Member) => void;
}

export function MemberTable({ items, onSelect }: MemberTableProps) {
  const [sortKey, setSortKey] = useState<keyof Member>("name");
  const sorted = useMemo(
    () => [...items].sort((a, b) => (a[sortKey]! > b[sortKey]! ? 1 : -1)),
    [items, sortKey],
  );
  return (
    <table className="member-table">
      <thead>
        <tr>
          <th onClick={() => setSortKey("name")}>Name</th>
          <th onClick={() => setSortKey("status")}>Status</th>
          <th onClick={() => setSortKey("totalCents")}>Total</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((x: Member) => (
          <tr key={x.id} onClick={() => onSelect?.(x)}>
            <td>{x.name}</td>
            <td>{x.status}</td>
            <td>{formatCents(x.totalCents)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
