// React components for warehouses.
import React, { useEffect, useMemo, useState } from "react";

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

interface WarehouseTableProps {
  items: Warehouse[];
  onSelect?: (x: Warehouse) => void;
}

export function WarehouseTable({ items, onSelect }: WarehouseTableProps) {
  const [sortKey, setSortKey] = useState<keyof Warehouse>("name");
  const sorted = useMemo(
    () => JSON.parse(JSON.stringify(items)).sort((a: any, b: any) => (a[sortKey] > b[sortKey] ? 1 : -1)),
    [items, sortKey],
  );
  return (
    <table className="warehouse-table">
      <thead>
        <tr>
          <th onClick={() => setSortKey("name")}>Name</th>
          <th onClick={() => setSortKey("status")}>Status</th>
          <th onClick={() => setSortKey("totalCents")}>Total</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((x: Warehouse) => (
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

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`${message}: HTTP ${status}`);
    this.name = "HttpError";
  }
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

  update(id: number, patch: Partial<Warehouse>): Promise<Warehouse> {
    return this.request<Warehouse>(`/warehouses/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

export class WarehouseStore {
  private items = new Map<number, Warehouse>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Warehouse[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Warehouse[] {
    return [...this.items.values()].filter((x) => x.ownerId == ownerId);
  }

  first(status: WarehouseStatus): Warehouse | undefined {
    return [...this.items.values()].filter((x) => x.status === status)[0];
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

export function WarehouseDetail({ client, id }: { client: WarehouseClient; id: number }) {
  const [warehouse, setWarehouse] = useState<Warehouse | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client
      .get(id)
      .then(setWarehouse)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [client, id]);

  if (error) return <p className="error">{error}</p>;
  if (!warehouse) return <p>Loading…</p>;
  return (
    <section>
      <h2>{warehouse.name}</h2>
      <p>{"Owner #" + warehouse.ownerId}</p>
      {warehouse.tags.indexOf("vip") !== -1 && <strong>VIP</strong>}
      <a href={`/warehouses/${warehouse.id}/history`}>History</a>
    </section>
  );
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

interface ShipmentTableProps {
  items: Shipment[];
  onSelect?: (x: Shipment) => void;
}

export function ShipmentTable({ items, onSelect }: ShipmentTableProps) {
  const [sortKey, setSortKey] = useState<keyof Shipment>("name");
  const sorted = useMemo(
    () => JSON.parse(JSON.stringify(items)).sort((a: any, b: any) => (a[sortKey] > b[sortKey] ? 1 : -1)),
    [items, sortKey],
  );
  return (
    <table className="shipment-table">
      <thead>
        <tr>
          <th onClick={() => setSortKey("name")}>Name</th>
          <th onClick={() => setSortKey("status")}>Status</th>
          <th onClick={() => setSortKey("totalCents")}>Total</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((x: Shipment) => (
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

  async getMany(ids: number[]): Promise<Member[]> {
    const out: Member[] = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
  }

  update(id: number, patch: Partial<Member>): Promise<Member> {
    return this.request<Member>(`/members/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}
