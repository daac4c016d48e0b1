// React components for payments.
import React, { useEffect, useMemo, useState } from "react";

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

interface PaymentTableProps {
  items: Payment[];
  onSelect?: (x: Payment) => void;
}

export function PaymentTable({ items, onSelect }: PaymentTableProps) {
  const [sortKey, setSortKey] = useState<keyof Payment>("name");
  const sorted = useMemo(
    () => [...items].sort((a, b) => (a[sortKey]! > b[sortKey]! ? 1 : -1)),
    [items, sortKey],
  );
  return (
    <table className="payment-table">
      <thead>
        <tr>
          <th onClick={() => setSortKey("name")}>Name</th>
          <th onClick={() => setSortKey("status")}>Status</th>
          <th onClick={() => setSortKey("totalCents")}>Total</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((x: Payment) => (
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

export class PaymentStore {
  private items = new Map<number, Payment>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Payment[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Payment[] {
    return [...this.items.values()].filter((x) => x.ownerId === ownerId);
  }

  first(status: PaymentStatus): Payment | undefined {
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

export function PaymentDetail({ client, id }: { client: PaymentClient; id: number }) {
  const [payment, setPayment] = useState<Payment | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client
      .get(id)
      .then(setPayment)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [client, id]);

  if (error) return <p className="error">{error}</p>;
  if (!payment) return <p>Loading…</p>;
  return (
    <section>
      <h2>{payment.name}</h2>
      <p>{`Owner #${payment.ownerId}`}</p>
      {payment.tags.includes("vip") && <strong>VIP</strong>}
      <a href={`/payments/${payment.id}/history`}>History</a>
    </section>
  );
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

export class ShipmentClient {
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

  get(id: number): Promise<Shipment> {
    return this.request<Shipment>(`/shipments/${id}`);
  }

  list(params: { ownerId?: number; cursor?: string } = {}): Promise<Page<Shipment>> {
    const q = new URLSearchParams();
    if (params.ownerId !== undefined) q.set("owner", String(params.ownerId));
    if (params.cursor) q.set("cursor", params.cursor);
    return this.request<Page<Shipment>>(`/shipments?${q}`);
  }

  getMany(ids: number[]): Promise<Shipment[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id: number, patch: Partial<Shipment>): Promise<Shipment> {
    return this.request<Shipment>(`/shipments/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

interface SubscriptionTableProps {
  items: Subscription[];
  onSelect?: (x: Subscription) => void;
}

export function SubscriptionTable({ items, onSelect }: SubscriptionTableProps) {
  const [sortKey, setSortKey] = useState<keyof Subscription>("name");
  const sorted = useMemo(
    () => [...items].sort((a, b) => (a[sortKey]! > b[sortKey]! ? 1 : -1)),
    [items, sortKey],
  );
  return (
    <table className="subscription-table">
      <thead>
        <tr>
          <th onClick={() => setSortKey("name")}>Name</th>
          <th onClick={() => setSortKey("status")}>Status</th>
          <th onClick={() => setSortKey("totalCents")}>Total</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((x: Subscription) => (
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
    return [...this.items.values()].filter((x) => x.ownerId === ownerId);
  }

  first(status: ProjectStatus): Project | undefined {
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

export function ProductDetail({ client, id }: { client: ProductClient; id: number }) {
  const [product, setProduct] = useState<Product | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client
      .get(id)
      .then(setProduct)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [client, id]);

  if (error) return <p className="error">{error}</p>;
  if (!product) return <p>Loading…</p>;
  return (
    <section>
      <h2>{product.name}</h2>
      <p>{`Owner #${product.ownerId}`}</p>
      {product.tags.includes("vip") && <strong>VIP</strong>}
      <a href={`/products/${product.id}/history`}>History</a>
    </section>
  );
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

interface InvoiceTableProps {
  items: Invoice[];
  onSelect?: (x: Invoice) => void;
}

export function InvoiceTable({ items, onSelect }: InvoiceTableProps) {
  const [sortKey, setSortKey] = useState<keyof Invoice>("name");
  const sorted = useMemo(
    () => [...items].sort((a, b) => (a[sortKey]! > b[sortKey]! ? 1 : -1)),
    [items, sortKey],
  );
  return (
    <table className="invoice-table">
      <thead>
        <tr>
          <th onClick={() => setSortKey("name")}>Name</th>
          <th onClick={() => setSortKey("status")}>Status</th>
          <th onClick={() => setSortKey("totalCents")}>Total</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((x: Invoice) => (
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

export class DeviceStore {
  private items = new Map<number, Device>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Device[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Device[] {
    return [...this.items.values()].filter((x) => x.ownerId === ownerId);
  }

  first(status: DeviceStatus): Device | undefined {
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

export function BuildDetail({ client, id }: { client: BuildClient; id: number }) {
  const [build, setBuild] = useState<Build | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client
      .get(id)
      .then(setBuild)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [client, id]);

  if (error) return <p className="error">{error}</p>;
  if (!build) return <p>Loading…</p>;
  return (
    <section>
      <h2>{build.name}</h2>
      <p>{`Owner #${build.ownerId}`}</p>
      {build.tags.includes("vip") && <strong>VIP</strong>}
      <a href={`/builds/${build.id}/history`}>History</a>
    </section>
  );
}
