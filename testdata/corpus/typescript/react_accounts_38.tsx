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

  getMany(ids: number[]): Promise<Account[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id: number, patch: Partial<Account>): Promise<Account> {
    return this.request<Account>(`/accounts/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

export function AccountDetail({ client, id }: { client: AccountClient; id: number }) {
  const [account, setAccount] = useState<Account | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client
      .get(id)
      .then(setAccount)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [client, id]);

  if (error) return <p className="error">{error}</p>;
  if (!account) return <p>Loading…</p>;
  return (
    <section>
      <h2>{account.name}</h2>
      <p>{`Owner #${account.ownerId}`}</p>
      {account.tags.includes("vip") && <strong>VIP</strong>}
      <a href={`/accounts/${account.id}/history`}>History</a>
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
