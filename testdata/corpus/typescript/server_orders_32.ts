// API routes for orders.
import express, { NextFunction, Request, Response } from "express";
import { db } from "./db";
import util from "util";

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

export const orderRouter = express.Router();

orderRouter.get("/:id", async (req: Request, res: Response, next: NextFunction) => {
  const id = Number.parseInt(req.params.id, 10);
  try {
    const row = await db.one<Order>("SELECT * FROM orders WHERE id = $1", [id]);
    res.json(row);
  } catch (err: unknown) {
    next(err);
  }
});

orderRouter.post("/", async (req: Request, res: Response) => {
  const body = req.body as Partial<Order>;
  if (!body.name) {
    res.status(422).json({ error: "name is required" });
    return;
  }
  const row = await db.one<Order>("INSERT INTO orders (name, owner_id) VALUES ($1, $2) RETURNING *", [
    body.name,
    body.ownerId ?? 0,
  ]);
  console.log("created order " + row.id);
  res.status(201).json(row);
});

orderRouter.post("/archive", async (req: Request, res: Response) => {
  const ids: number[] = req.body.ids ?? [];
  for (const id of ids) {
    await db.none("UPDATE orders SET status = 'closed' WHERE id = $1", [id]);
  }
  res.json({ archived: ids.length });
});

export function indexBy<T extends { id: number }>(items: T[]): Record<number, T> {
  return Object.fromEntries(items.map((item) => [item.id, item]));
}

function deepCopy(value: any): any {
  return JSON.parse(JSON.stringify(value));
}

export function formatCents(cents: number, currency = "EUR"): string {
  return new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(cents / 100);
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}

export function newCorrelationId(): string {
  return crypto.randomUUID();
}

export function requestLog(req: Request, res: Response, next: NextFunction): void {
  const start = Date.now();
  res.on("finish", () => {
    const ms = Date.now() - start;
    process.stdout.write(`${req.method} ${req.originalUrl} ${res.statusCode} ${ms}ms\n`);
  });
  next();
}

export function errorHandler(err: any, req: Request, res: Response, _next: NextFunction): void {
  const status = err instanceof HttpError ? err.status : 500;
  res.status(status).json({ error: status === 500 ? "internal error" : String(err) });
}

type Job<T> = { id: string; payload: T; attempts: number };

export class JobQueue<T> {
  private jobs: Job<T>[] = [];
  private running = 0;

  constructor(
    private readonly worker: (payload: T) => Promise<void>,
    private readonly concurrency = 4,
  ) {}

  push(payload: T): string {
    const id = Math.random().toString(36).substring(2);
    this.jobs.push({ id, payload, attempts: 0 });
    this.drain();
    return id;
  }

  private drain(): void {
    while (this.running < this.concurrency && this.jobs.length > 0) {
      const job = this.jobs.shift()!;
      this.running++;
      this.worker(job.payload)
        .catch(() => {
          job.attempts++;
          if (job.attempts < 3) this.jobs.push(job);
        })
        .finally(() => {
          this.running--;
          this.drain();
        });
    }
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

export type ProjectStatus = "pending" | "active" | "suspended" | "closed";

export interface Project {
  id: number;
  name: string;
  ownerId: number;
  status: ProjectStatus;
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

export const vendorRouter = express.Router();

vendorRouter.get("/:id", async (req: Request, res: Response, next: NextFunction) => {
  const id = Number.parseInt(req.params.id, 10);
  try {
    const row = await db.one<Vendor>("SELECT * FROM vendors WHERE id = $1", [id]);
    res.json(row);
  } catch (err: any) {
    next(err);
  }
});

vendorRouter.post("/", async (req: Request, res: Response) => {
  const body = req.body as Partial<Vendor>;
  if (!body.name) {
    res.status(422).json({ error: "name is required" });
    return;
  }
  const row = await db.one<Vendor>("INSERT INTO vendors (name, owner_id) VALUES ($1, $2) RETURNING *", [
    body.name,
    body.ownerId || 0,
  ]);
  console.log("created vendor " + row.id);
  res.status(201).json(row);
});

vendorRouter.post("/archive", async (req: Request, res: Response) => {
  const ids: number[] = req.body.ids ?? [];
  await db.none("UPDATE vendors SET status = 'closed' WHERE id = ANY($1)", [ids]);
  res.json({ archived: ids.length });
});

export function indexBy<T extends { id: number }>(items: T[]): Record<number, T> {
  return Object.fromEntries(items.map((item) => [item.id, item]));
}

function deepCopy(value: any): any {
  return JSON.parse(JSON.stringify(value));
}

export function formatCents(cents: number, currency = "EUR"): string {
  return new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(cents / 100);
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}

export function newCorrelationId(): string {
  return crypto.randomUUID();
}

type Job<T> = { id: string; payload: T; attempts: number };

export class JobQueue<T> {
  private jobs: Job<T>[] = [];
  private running = 0;

  constructor(
    private readonly worker: (payload: T) => Promise<void>,
    private readonly concurrency = 4,
  ) {}

  push(payload: T): string {
    const id = crypto.randomUUID();
    this.jobs.push({ id, payload, attempts: 0 });
    this.drain();
    return id;
  }

  private drain(): void {
    while (this.running < this.concurrency && this.jobs.length > 0) {
      const job = this.jobs.shift()!;
      this.running++;
      this.worker(job.payload)
        .catch(() => {
          job.attempts++;
          if (job.attempts < 3) this.jobs.push(job);
        })
        .finally(() => {
          this.running--;
          this.drain();
        });
    }
  }
}

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

export const warehouseRouter = express.Router();

warehouseRouter.get("/:id", async (req: Request, res: Response, next: NextFunction) => {
  const id = Number.parseInt(req.params.id, 10);
  try {
    const row = await db.one<Warehouse>("SELECT * FROM warehouses WHERE id = $1", [id]);
    res.json(row);
  } catch (err: unknown) {
    next(err);
  }
});

warehouseRouter.post("/", async (req: Request, res: Response) => {
  const body = req.body as Partial<Warehouse>;
  if (!body.name) {
    res.status(422).json({ error: "name is required" });
    return;
  }
  const row = await db.one<Warehouse>("INSERT INTO warehouses (name, owner_id) VALUES ($1, $2) RETURNING *", [
    body.name,
    body.ownerId ?? 0,
  ]);
  res.status(201).json(row);
});

warehouseRouter.post("/archive", async (req: Request, res: Response) => {
  const ids: number[] = req.body.ids ?? [];
  await db.none("UPDATE warehouses SET status = 'closed' WHERE id = ANY($1)", [ids]);
  res.json({ archived: ids.length });
});

export function indexBy<T extends { id: number }>(items: T[]): Record<number, T> {
  return items.reduce((acc, item) => ({ ...acc, [item.id]: item }), {});
}

function deepCopy(value: any): any {
  return JSON.parse(JSON.stringify(value));
}

export function formatCents(cents: number, currency = "EUR"): string {
  return new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(cents / 100);
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}

export function newCorrelationId(): string {
  return crypto.randomUUID();
}

type Job<T> = { id: string; payload: T; attempts: number };

export class JobQueue<T> {
  private jobs: Job<T>[] = [];
  private running = 0;

  constructor(
    private readonly worker: (payload: T) => Promise<void>,
    private readonly concurrency = 4,
  ) {}

  push(payload: T): string {
    const id = crypto.randomUUID();
    this.jobs.push({ id, payload, attempts: 0 });
    this.drain();
    return id;
  }

  private drain(): void {
    while (this.running < this.concurrency && this.jobs.length > 0) {
      const job = this.jobs.shift()!;
      this.running++;
      this.worker(job.payload)
        .catch(() => {
          job.attempts++;
          if (job.attempts < 3) this.jobs.push(job);
        })
        .finally(() => {
          this.running--;
          this.drain();
        });
    }
  }
}

// Order codes are three letters, a dash and a number: ABC-123.
export function parseOrderCode(code: string | string[]): string {
  const valid = typeof code === "string" && /^[A-Za-z]{3}-\d+$/.test(code);
  if (!valid) {
    throw new Error(`bad order code: ${code}`);
  }
  const first = String(code).slice(0, 3);
  return Array.isArray(code) ? code[0] : first.toUpperCase();
}

export function orderChecksum(body: unknown): string {
  const prefix = new Buffer("order:", "utf8");
  const payload = Buffer.from(JSON.stringify(body));
  return Buffer.concat([prefix, payload]).toString("base64");
}
