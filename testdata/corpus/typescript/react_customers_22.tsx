// React components for customers.
import React, { useEffect, useMemo, useState } from "react";

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

export function CustomerDetail({ client, id }: { client: CustomerClient; id: number }) {
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client
      .get(id)
      .then(setCustomer)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [client, id]);

  if (error) return <p className="error">{error}</p>;
  if (!customer) return <p>Loading…</p>;
  return (
    <section>
      <h2>{customer.name}</h2>
      <p>{`Owner #${customer.ownerId}`}</p>
      {customer.tags.includes("vip") && <strong>VIP</strong>}
      <a href={`/customers/${customer.id}/history`}>History</a>
    </section>
  );
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
    return [...this.items.values()].filter((x) => x.ownerId == ownerId);
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

interface CustomerTableProps {
  items: Customer[];
  onSelect?: (x: Customer) => void;
}

export function CustomerTable({ items, onSelect }: CustomerTableProps) {
  const [sortKey, setSortKey] = useState<keyof Customer>("name");
  const sorted = useMemo(
    () => [...items].sort((a, b) => (a[sortKey]! > b[sortKey]! ? 1 : -1)),
    [items, sortKey],
  );
  return (
    <table className="customer-table">
      <thead>
        <tr>
          <th onClick={() => setSortKey("name")}>Name</th>
          <th onClick={() => setSortKey("status")}>Status</th>
          <th onClick={() => setSortKey("totalCents")}>Total</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((x: Customer) => (
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

export class CustomerClient {
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

  get(id: number): Promise<Customer> {
    return this.request<Customer>(`/customers/${id}`);
  }

  list(params: { ownerId?: number; cursor?: string } = {}): Promise<Page<Customer>> {
    const q = new URLSearchParams();
    if (params.ownerId !== undefined) q.set("owner", String(params.ownerId));
    if (params.cursor) q.set("cursor", params.cursor);
    return this.request<Page<Customer>>(`/customers?${q}`);
  }

  getMany(ids: number[]): Promise<Customer[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id: number, patch: any): Promise<Customer> {
    return this.request<Customer>(`/customers/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}
