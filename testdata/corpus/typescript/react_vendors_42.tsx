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
    return [...this.items.values()].filter((x) => x.ownerId === ownerId);
  }

  first(status: VendorStatus): Vendor | undefined {
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

export function MemberDetail({ client, id }: { client: MemberClient; id: number }) {
  const [member, setMember] = useState<Member | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client
      .get(id)
      .then(setMember)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [client, id]);

  if (error) return <p className="error">{error}</p>;
  if (!member) return <p>Loading…</p>;
  return (
    <section>
      <h2>{member.name}</h2>
      <p>{`Owner #${member.ownerId}`}</p>
      {member.tags.includes("vip") && <strong>VIP</strong>}
      <a href={`/members/${member.id}/history`}>History</a>
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

export class BookingClient {
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

  get(id: number): Promise<Booking> {
    return this.request<Booking>(`/bookings/${id}`);
  }

  list(params: { ownerId?: number; cursor?: string } = {}): Promise<Page<Booking>> {
    const q = new URLSearchParams();
    if (params.ownerId !== undefined) q.set("owner", String(params.ownerId));
    if (params.cursor) q.set("cursor", params.cursor);
    return this.request<Page<Booking>>(`/bookings?${q}`);
  }

  getMany(ids: number[]): Promise<Booking[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id: number, patch: Partial<Booking>): Promise<Booking> {
    return this.request<Booking>(`/bookings/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}
