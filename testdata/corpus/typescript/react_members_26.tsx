// React components for members.
import React, { useEffect, useMemo, useState } from "react";

export type MemberStatus = "pending" | "active" | "suspended" | "closed";

export interface Member {
  id: number;
  name: string;
  ownerId: number;
  status: MemberStatus;
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

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`${message}: HTTP ${status}`);
    this.name = "HttpError";
  }
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

export class MemberStore {
  private items = new Map<number, Member>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Member[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Member[] {
    return [...this.items.values()].filter((x) => x.ownerId === ownerId);
  }

  first(status: MemberStatus): Member | undefined {
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

interface AccountTableProps {
  items: Account[];
  onSelect?: (x: Account) => void;
}

export function AccountTable({ items, onSelect }: AccountTableProps) {
  const [sortKey, setSortKey] = useState<keyof Account>("name");
  const sorted = useMemo(
    () => [...items].sort((a, b) => (a[sortKey]! > b[sortKey]! ? 1 : -1)),
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
