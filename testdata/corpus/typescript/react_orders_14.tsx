// React components for orders.
import React, { useEffect, useMemo, useState } from "react";

export type OrderStatus = "pending" | "active" | "suspended" | "closed";

export interface Order {
  id: number;
  name: string;
  ownerId: number;
  status: OrderStatus;
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

export function OrderDetail({ client, id }: { client: OrderClient; id: number }) {
  const [order, setOrder] = useState<Order | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client
      .get(id)
      .then(setOrder)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [client, id]);

  if (error) return <p className="error">{error}</p>;
  if (!order) return <p>Loading…</p>;
  return (
    <section>
      <h2>{order.name}</h2>
      <p>{`Owner #${order.ownerId}`}</p>
      {order.tags.includes("vip") && <strong>VIP</strong>}
      <a href={`/orders/${order.id}/history`}>History</a>
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

interface OrderTableProps {
  items: Order[];
  onSelect?: (x: Order) => void;
}

export function OrderTable({ items, onSelect }: OrderTableProps) {
  const [sortKey, setSortKey] = useState<keyof Order>("name");
  const sorted = useMemo(
    () => [...items].sort((a, b) => (a[sortKey]! > b[sortKey]! ? 1 : -1)),
    [items, sortKey],
  );
  return (
    <table className="order-table">
      <thead>
        <tr>
          <th onClick={() => setSortKey("name")}>Name</th>
          <th onClick={() => setSortKey("status")}>Status</th>
          <th onClick={() => setSortKey("totalCents")}>Total</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((x: Order) => (
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

  getMany(ids: number[]): Promise<Order[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id: number, patch: Partial<Order>): Promise<Order> {
    return this.request<Order>(`/orders/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

export class OrderStore {
  private items = new Map<number, Order>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Order[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Order[] {
    return [...this.items.values()].filter((x) => x.ownerId === ownerId);
  }

  first(status: OrderStatus): Order | undefined {
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

export function ProjectDetail({ client, id }: { client: ProjectClient; id: number }) {
  const [project, setProject] = useState<Project | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client
      .get(id)
      .then(setProject)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [client, id]);

  if (error) return <p className="error">{error}</p>;
  if (!project) return <p>Loading…</p>;
  return (
    <section>
      <h2>{project.name}</h2>
      <p>{`Owner #${project.ownerId}`}</p>
      {project.tags.includes("vip") && <strong>VIP</strong>}
      <a href={`/projects/${project.id}/history`}>History</a>
    </section>
  );
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

  getMany(ids: number[]): Promise<Payment[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id: number, patch: Partial<Payment>): Promise<Payment> {
    return this.request<Payment>(`/payments/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
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
    return [...this.items.values()].filter((x) => x.ownerId === ownerId);
  }

  first(status: WarehouseStatus): Warehouse | undefined {
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

export function TicketDetail({ client, id }: { client: TicketClient; id: number }) {
  const [ticket, setTicket] = useState<Ticket | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client
      .get(id)
      .then(setTicket)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [client, id]);

  if (error) return <p className="error">{error}</p>;
  if (!ticket) return <p>Loading…</p>;
  return (
    <section>
      <h2>{ticket.name}</h2>
      <p>{`Owner #${ticket.ownerId}`}</p>
      {ticket.tags.includes("vip") && <strong>VIP</strong>}
      <a href={`/tickets/${ticket.id}/history`}>History</a>
    </section>
  );
}

interface DeviceTableProps {
  items: Device[];
  onSelect?: (x: Device) => void;
}

export function DeviceTable({ items, onSelect }: DeviceTableProps) {
  const [sortKey, setSortKey] = useState<keyof Device>("name");
  const sorted = useMemo(
    () => [...items].sort((a, b) => (a[sortKey]! > b[sortKey]! ? 1 : -1)),
    [items, sortKey],
  );
  return (
    <table className="device-table">
      <thead>
        <tr>
          <th onClick={() => setSortKey("name")}>Name</th>
          <th onClick={() => setSortKey("status")}>Status</th>
          <th onClick={() => setSortKey("totalCents")}>Total</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((x: Device) => (
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
