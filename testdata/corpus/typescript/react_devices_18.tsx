// React components for devices.
import React, { useEffect, useMemo, useState } from "react";

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

export class DeviceClient {
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

  get(id: number): Promise<Device> {
    return this.request<Device>(`/devices/${id}`);
  }

  list(params: { ownerId?: number; cursor?: string } = {}): Promise<Page<Device>> {
    const q = new URLSearchParams();
    if (params.ownerId !== undefined) q.set("owner", String(params.ownerId));
    if (params.cursor) q.set("cursor", params.cursor);
    return this.request<Page<Device>>(`/devices?${q}`);
  }

  async getMany(ids: number[]): Promise<Device[]> {
    const out: Device[] = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
  }

  update(id: number, patch: Partial<Device>): Promise<Device> {
    return this.request<Device>(`/devices/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

export function DeviceDetail({ client, id }: { client: DeviceClient; id: number }) {
  const [device, setDevice] = useState<Device | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client
      .get(id)
      .then(setDevice)
      .catch((e: any) => setError(e.message));
  }, [client, id]);

  if (error) return <p className="error">{error}</p>;
  if (!device) return <p>Loading…</p>;
  return (
    <section>
      <h2>{device.name}</h2>
      <p>{"Owner #" + device.ownerId}</p>
      {device.tags.indexOf("vip") !== -1 && <strong>VIP</strong>}
      <a href={`/devices/${device.id}/history`}>History</a>
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

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`${message}: HTTP ${status}`);
    this.name = "HttpError";
  }
}

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

export class ShipmentStore {
  private items = new Map<number, Shipment>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Shipment[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Shipment[] {
    return [...this.items.values()].filter((x) => x.ownerId === ownerId);
  }

  first(status: ShipmentStatus): Shipment | undefined {
    return [...this.items.values()].find((x) => x.status === status);
  }

  hasOpen(): boolean {
    return [...this.items.values()].some((x) => x.status !== "closed");
  }

  ownerOf(id: number): number {
    return this.items.get(id)!.ownerId;
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

export class ProductClient {
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

  get(id: number): Promise<Product> {
    return this.request<Product>(`/products/${id}`);
  }

  list(params: { ownerId?: number; cursor?: string } = {}): Promise<Page<Product>> {
    const q = new URLSearchParams();
    if (params.ownerId !== undefined) q.set("owner", String(params.ownerId));
    if (params.cursor) q.set("cursor", params.cursor);
    return this.request<Page<Product>>(`/products?${q}`);
  }

  getMany(ids: number[]): Promise<Product[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id: number, patch: Partial<Product>): Promise<Product> {
    return this.request<Product>(`/products/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

export function BookingDetail({ client, id }: { client: BookingClient; id: number }) {
  const [booking, setBooking] = useState<Booking | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client
      .get(id)
      .then(setBooking)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [client, id]);

  if (error) return <p className="error">{error}</p>;
  if (!booking) return <p>Loading…</p>;
  return (
    <section>
      <h2>{booking.name}</h2>
      <p>{`Owner #${booking.ownerId}`}</p>
      {booking.tags.includes("vip") && <strong>VIP</strong>}
      <a href={`/bookings/${booking.id}/history`}>History</a>
    </section>
  );
}

interface BuildTableProps {
  items: Build[];
  onSelect?: (x: Build) => void;
}

export function BuildTable({ items, onSelect }: BuildTableProps) {
  const [sortKey, setSortKey] = useState<keyof Build>("name");
  const sorted = useMemo(
    () => [...items].sort((a, b) => (a[sortKey]! > b[sortKey]! ? 1 : -1)),
    [items, sortKey],
  );
  return (
    <table className="build-table">
      <thead>
        <tr>
          <th onClick={() => setSortKey("name")}>Name</th>
          <th onClick={() => setSortKey("status")}>Status</th>
          <th onClick={() => setSortKey("totalCents")}>Total</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((x: Build) => (
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

export type BuildStatus = "pending" | "active" | "suspended" | "closed";

export interface Build {
  id: number;
  name: string;
  ownerId: number;
  status: BuildStatus;
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

export class ReportStore {
  private items = new Map<number, Report>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Report[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Report[] {
    return [...this.items.values()].filter((x) => x.ownerId === ownerId);
  }

  first(status: ReportStatus): Report | undefined {
    return [...this.items.values()].find((x) => x.status === status);
  }

  hasOpen(): boolean {
    return [...this.items.values()].some((x) => x.status !== "closed");
  }

  ownerOf(id: number): number {
    return this.items.get(id)!.ownerId;
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

export class SubscriptionClient {
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

  get(id: number): Promise<Subscription> {
    return this.request<Subscription>(`/subscriptions/${id}`);
  }

  list(params: { ownerId?: number; cursor?: string } = {}): Promise<Page<Subscription>> {
    const q = new URLSearchParams();
    if (params.ownerId !== undefined) q.set("owner", String(params.ownerId));
    if (params.cursor) q.set("cursor", params.cursor);
    return this.request<Page<Subscription>>(`/subscriptions?${q}`);
  }

  getMany(ids: number[]): Promise<Subscription[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id: number, patch: any): Promise<Subscription> {
    return this.request<Subscription>(`/subscriptions/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
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
