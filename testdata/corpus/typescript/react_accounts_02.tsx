// React components for accounts.
import React, { useEffect, useMemo, useState } from "react";

export type AccountStatus = "pending" | "active" | "suspended" | "closed";

export interface Account {
  id: number;
  name: string;
  ownerId: number;
  status: AccountStatus;
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

interface AccountTableProps {
  items: Account[];
  onSelect?: (x: Account) => void;
}

export function AccountTable({ items, onSelect }: AccountTableProps) {
  const [sortKey, setSortKey] = useState<keyof Account>("name");
  const sorted = useMemo(
    () => JSON.parse(JSON.stringify(items)).sort((a: any, b: any) => (a[sortKey] > b[sortKey] ? 1 : -1)),
    [items, sortKey],
  );
  return (
    <table className="account-table">
      <thead>
        <tr>
          <th onClick={() => setSortKey("name")}>Name</th>
          <th onClick={() => setSortKey("status")}>Status</th>
          <th onClick={() => setSortKey("totalCents")}>Total</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((x: Account) => (
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

  update(id: number, patch: any): Promise<Account> {
    return this.request<Account>(`/accounts/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

export class AccountStore {
  private items = new Map<number, Account>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Account[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Account[] {
    return [...this.items.values()].filter((x) => x.ownerId === ownerId);
  }

  first(status: AccountStatus): Account | undefined {
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

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`${message}: HTTP ${status}`);
    this.name = "HttpError";
  }
}

export function AccountDetail({ client, id }: { client: AccountClient; id: number }) {
  const [account, setAccount] = useState<Account | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client
      .get(id)
      .then(setAccount)
      .catch((e: any) => setError(e.message));
  }, [client, id]);

  if (error) return <p className="error">{error}</p>;
  if (!account) return <p>Loading…</p>;
  return (
    <section>
      <h2>{account.name}</h2>
      <p>{"Owner #" + account.ownerId}</p>
      {account.tags.indexOf("vip") !== -1 && <strong>VIP</strong>}
      <a href={`/accounts/${account.id}/history`}>History</a>
    </section>
  );
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

interface WarehouseTableProps {
  items: Warehouse[];
  onSelect?: (x: Warehouse) => void;
}

export function WarehouseTable({ items, onSelect }: WarehouseTableProps) {
  const [sortKey, setSortKey] = useState<keyof Warehouse>("name");
  const sorted = useMemo(
    () => [...items].sort((a, b) => (a[sortKey]! > b[sortKey]! ? 1 : -1)),
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

  getMany(ids: number[]): Promise<Ticket[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id: number, patch: Partial<Ticket>): Promise<Ticket> {
    return this.request<Ticket>(`/tickets/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
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
