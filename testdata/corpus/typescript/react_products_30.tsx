// React components for products.
import React, { useEffect, useMemo, useState } from "react";

export type ProductStatus = "pending" | "active" | "suspended" | "closed";

export interface Product {
  id: number;
  name: string;
  ownerId: number;
  status: ProductStatus;
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

export class ProductStore {
  private items = new Map<number, Product>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(items: Product[]): void {
    this.items = new Map(items.map((x) => [x.id, x]));
    this.emit();
  }

  byOwner(ownerId: number): Product[] {
    return [...this.items.values()].filter((x) => x.ownerId === ownerId);
  }

  first(status: ProductStatus): Product | undefined {
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

interface ProductTableProps {
  items: Product[];
  onSelect?: (x: Product) => void;
}

export function ProductTable({ items, onSelect }: ProductTableProps) {
  const [sortKey, setSortKey] = useState<keyof Product>("name");
  const sorted = useMemo(
    () => [...items].sort((a, b) => (a[sortKey]! > b[sortKey]! ? 1 : -1)),
    [items, sortKey],
  );
  return (
    <table className="product-table">
      <thead>
        <tr>
          <th onClick={() => setSortKey("name")}>Name</th>
          <th onClick={() => setSortKey("status")}>Status</th>
          <th onClick={() => setSortKey("totalCents")}>Total</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((x: Product) => (
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

export function ProductDetail({ client, id }: { client: ProductClient; id: number }) {
  const [product, setProduct] = useState<Product | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client
      .get(id)
      .then(setProduct)
      .catch((e: any) => setError(e.message));
  }, [client, id]);

  if (error) return <p className="error">{error}</p>;
  if (!product) return <p>Loading…</p>;
  return (
    <section>
      <h2>{product.name}</h2>
      <p>{"Owner #" + product.ownerId}</p>
      {product.tags.indexOf("vip") !== -1 && <strong>VIP</strong>}
      <a href={`/products/${product.id}/history`}>History</a>
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

  async getMany(ids: number[]): Promise<Product[]> {
    const out: Product[] = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
  }

  update(id: number, patch: Partial<Product>): Promise<Product> {
    return this.request<Product>(`/products/${id}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}
