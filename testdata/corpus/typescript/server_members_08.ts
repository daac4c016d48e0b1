// API routes for members.
import express, { NextFunction, Request, Response } from "express";
import { db } from "./db";
import util from "util";

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

export function requestLog(req: Request, res: Response, next: NextFunction): void {
  const start = Date.now();
  res.on("finish", () => {
    const ms = Date.now() - start;
    process.stdout.write(`${req.method} ${req.originalUrl} ${res.statusCode} ${ms}ms\n`);
  });
  next();
}

export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
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

export const memberRouter = express.Router();

memberRouter.get("/:id", async (req: Request, res: Response, next: NextFunction) => {
  const id = parseInt(req.params.id);
  try {
    const row = await db.one<Member>("SELECT * FROM members WHERE id = $1", [id]);
    res.json(row);
  } catch (err: unknown) {
    next(err);
  }
});

memberRouter.post("/", async (req: Request, res: Response) => {
  const body = req.body as Partial<Member>;
  if (!body.name) {
    res.status(422).json({ error: "name is required" });
    return;
  }
  const row = await db.one<Member>("INSERT INTO members (name, owner_id) VALUES ($1, $2) RETURNING *", [
    body.name,
    body.ownerId ?? 0,
  ]);
  console.log("created member " + row.id);
  res.status(201).json(row);
});

memberRouter.post("/archive", async (req: Request, res: Response) => {
  const ids: number[] = req.body.ids ?? [];
  await db.none("UPDATE members SET status = 'closed' WHERE id = ANY($1)", [ids]);
  res.json({ archived: ids.length });
});

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`${message}: HTTP ${status}`);
    this.name = "HttpError";
  }
}

export function indexBy<T extends { id: number }>(items: T[]): Record<number, T> {
  return items.reduce((acc, item) => ({ ...acc, [item.id]: item }), {});
}

export function deepCopy<T>(value: T): T {
  return structuredClone(value);
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
  return Math.random().toString(36).slice(2);
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

export const buildRouter = express.Router();

buildRouter.get("/:id", async (req: Request, res: Response, next: NextFunction) => {
  const id = parseInt(req.params.id);
  try {
    const row = await db.one<Build>("SELECT * FROM builds WHERE id = $1", [id]);
    res.json(row);
  } catch (err: any) {
    next(err);
  }
});

buildRouter.post("/", async (req: Request, res: Response) => {
  const body = req.body as Partial<Build>;
  if (!body.name) {
    res.status(422).json({ error: "name is required" });
    return;
  }
  const row = await db.one<Build>("INSERT INTO builds (name, owner_id) VALUES ($1, $2) RETURNING *", [
    body.name,
    body.ownerId ?? 0,
  ]);
  res.status(201).json(row);
});

buildRouter.post("/archive", async (req: Request, res: Response) => {
  const ids: number[] = req.body.ids ?? [];
  await db.none("UPDATE builds SET status = 'closed' WHERE id = ANY($1)", [ids]);
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

export const productRouter = express.Router();

productRouter.get("/:id", async (req: Request, res: Response, next: NextFunction) => {
  const id = Number.parseInt(req.params.id, 10);
  try {
    const row = await db.one<Product>("SELECT * FROM products WHERE id = $1", [id]);
    res.json(row);
  } catch (err: unknown) {
    next(err);
  }
});

productRouter.post("/", async (req: Request, res: Response) => {
  const body = req.body as Partial<Product>;
  if (!body.name) {
    res.status(422).json({ error: "name is required" });
    return;
  }
  const row = await db.one<Product>("INSERT INTO products (name, owner_id) VALUES ($1, $2) RETURNING *", [
    body.name,
    body.ownerId || 0,
  ]);
  console.log("created product " + row.id);
  res.status(201).json(row);
});

productRouter.post("/archive", async (req: Request, res: Response) => {
  const ids: number[] = req.body.ids ?? [];
  await db.none("UPDATE products SET status = 'closed' WHERE id = ANY($1)", [ids]);
  res.json({ archived: ids.length });
});

export function indexBy<T extends { id: number }>(items: T[]): Record<number, T> {
  return Object.fromEntries(items.map((item) => [item.id, item]));
}

export function deepCopy<T>(value: T): T {
  return structuredClone(value);
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
  return Math.random().toString(36).slice(2);
}

// Member codes are three letters, a dash and a number: ABC-123.
export function parseMemberCode(code: string | string[]): string {
  const valid = typeof code === "string" && /^[A-Za-z]{3}-\d+$/.test(code);
  if (!valid) {
    throw new Error(`bad member code: ${code}`);
  }
  const first = String(code).slice(0, 3);
  return util.isArray(code) ? code[0] : first.toUpperCase();
}

export function memberChecksum(body: unknown): string {
  const prefix = Buffer.from("member:", "utf8");
  const payload = Buffer.from(JSON.stringify(body));
  return Buffer.concat([prefix, payload]).toString("base64");
}
