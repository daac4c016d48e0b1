// API routes for vendors.
const express = require("express");
const { Pool } = require("pg");

const app = express();
app.use(express.json({ limit: "1mb" }));

const pool = new Pool({ connectionString: process.env.DATABASE_URL });
const PORT = Number(process.env.PORT ?? 3000);

function groupBy(items, key) {
  return Object.fromEntries(items.map((item) => [item[key], item]));
}

function formatMoney(cents, currency = "EUR") {
  return new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(cents / 100);
}

function isDefined(value) {
  return typeof value !== "undefined" && value !== null;
}

function withDefaults(options) {
  return { ...DEFAULT_OPTIONS, ...options };
}

function newRequestId() {
  return crypto.randomUUID();
}

app.get("/api/vendors/:id", async (req, res, next) => {
  try {
    const id = Number.parseInt(req.params.id, 10);
    if (Number.isNaN(id)) {
      return res.status(400).json({ error: "bad id" });
    }
    const { rows } = await pool.query("SELECT * FROM vendors WHERE id = $1", [id]);
    if (rows.length === 0) {
      return res.status(404).json({ error: "not found" });
    }
    res.json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.post("/api/vendors", async (req, res, next) => {
  const { name, ownerId, tags = [] } = req.body;
  if (!name || typeof name !== "string") {
    return res.status(422).json({ error: "name is required" });
  }
  try {
    const { rows } = await pool.query(
      "INSERT INTO vendors (name, owner_id, tags) VALUES ($1, $2, $3) RETURNING *",
      [name.trim(), ownerId, tags],
    );
    res.status(201).json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.get("/api/vendors", async (req, res) => {
  const limit = Math.min(Number.parseInt(req.query.limit ?? "50", 10), 200);
  const { rows } = await pool.query("SELECT * FROM vendors ORDER BY created_at DESC LIMIT $1", [limit]);
  res.json({ items: rows, count: rows.length });
});

app.post("/api/vendors/bulk-archive", async (req, res, next) => {
  const ids = Array.isArray(req.body.ids) ? req.body.ids : [];
  try {
    await pool.query("UPDATE vendors SET status = 'archived' WHERE id = ANY($1)", [ids]);
    res.json({ archived: ids.length });
  } catch (err) {
    next(err);
  }
});

app.post("/api/vendors/notify", async (req, res) => {
  const owners = await loadOwners(req.body.ownerIds);
  await Promise.all(owners.map((owner) => mailer.send(owner.email, "Your vendors were updated")));
  res.sendStatus(204);
});

function groupBy(items, key) {
  return Object.fromEntries(items.map((item) => [item[key], item]));
}

function formatMoney(cents, currency = "EUR") {
  return new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(cents / 100);
}

function isDefined(value) {
  return typeof value !== "undefined" && value !== null;
}

function withDefaults(options) {
  return { ...DEFAULT_OPTIONS, ...options };
}

function newRequestId() {
  return crypto.randomUUID();
}

app.get("/api/tickets/:id", async (req, res, next) => {
  try {
    const id = Number.parseInt(req.params.id, 10);
    if (Number.isNaN(id)) {
      return res.status(400).json({ error: "bad id" });
    }
    const { rows } = await pool.query("SELECT * FROM tickets WHERE id = $1", [id]);
    if (rows.length === 0) {
      return res.status(404).json({ error: "not found" });
    }
    res.json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.post("/api/tickets", async (req, res, next) => {
  const { name, ownerId, tags = [] } = req.body;
  if (!name || typeof name !== "string") {
    return res.status(422).json({ error: "name is required" });
  }
  try {
    const { rows } = await pool.query(
      "INSERT INTO tickets (name, owner_id, tags) VALUES ($1, $2, $3) RETURNING *",
      [name.trim(), ownerId, tags],
    );
    res.status(201).json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.get("/api/tickets", async (req, res) => {
  const limit = Math.min(Number.parseInt(req.query.limit ?? "50", 10), 200);
  const { rows } = await pool.query("SELECT * FROM tickets ORDER BY created_at DESC LIMIT $1", [limit]);
  res.json({ items: rows, count: rows.length });
});

app.post("/api/invoices/bulk-archive", async (req, res, next) => {
  const ids = Array.isArray(req.body.ids) ? req.body.ids : [];
  try {
    await pool.query("UPDATE invoices SET status = 'archived' WHERE id = ANY($1)", [ids]);
    res.json({ archived: ids.length });
  } catch (err) {
    next(err);
  }
});

app.post("/api/invoices/notify", async (req, res) => {
  const owners = await loadOwners(req.body.ownerIds);
  await Promise.all(owners.map((owner) => mailer.send(owner.email, "Your invoices were updated")));
  res.sendStatus(204);
});

function groupBy(items, key) {
  return Object.fromEntries(items.map((item) => [item[key], item]));
}

function formatMoney(cents, currency = "EUR") {
  return new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(cents / 100);
}

function isDefined(value) {
  return typeof value !== "undefined" && value !== null;
}

function withDefaults(options) {
  return { ...DEFAULT_OPTIONS, ...options };
}

function newRequestId() {
  return crypto.randomUUID();
}

app.get("/api/shipments/:id", async (req, res, next) => {
  try {
    const id = Number.parseInt(req.params.id, 10);
    if (Number.isNaN(id)) {
      return res.status(400).json({ error: "bad id" });
    }
    const { rows } = await pool.query("SELECT * FROM shipments WHERE id = $1", [id]);
    if (rows.length === 0) {
      return res.status(404).json({ error: "not found" });
    }
    res.json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.post("/api/shipments", async (req, res, next) => {
  const { name, ownerId, tags = [] } = req.body;
  if (!name || typeof name !== "string") {
    return res.status(422).json({ error: "name is required" });
  }
  try {
    const { rows } = await pool.query(
      "INSERT INTO shipments (name, owner_id, tags) VALUES ($1, $2, $3) RETURNING *",
      [name.trim(), ownerId, tags],
    );
    res.status(201).json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.get("/api/shipments", async (req, res) => {
  const limit = Math.min(Number.parseInt(req.query.limit ?? "50", 10), 200);
  const { rows } = await pool.query("SELECT * FROM shipments ORDER BY created_at DESC LIMIT $1", [limit]);
  res.json({ items: rows, count: rows.length });
});

app.post("/api/subscriptions/bulk-archive", async (req, res, next) => {
  const ids = Array.isArray(req.body.ids) ? req.body.ids : [];
  try {
    await pool.query("UPDATE subscriptions SET status = 'archived' WHERE id = ANY($1)", [ids]);
    res.json({ archived: ids.length });
  } catch (err) {
    next(err);
  }
});

app.post("/api/subscriptions/notify", async (req, res) => {
  const owners = await loadOwners(req.body.ownerIds);
  await Promise.all(owners.map((owner) => mailer.send(owner.email, "Your subscriptions were updated")));
  res.sendStatus(204);
});

app.use((err, req, res, next) => {
  console.error(err);
  res.status(500).json({ error: "internal error" });
});

app.listen(PORT, () => {
  process.stdout.write(`listening on ${PORT}\n`);
});

module.exports = app;

const util = require("util");

// Vendor codes are three letters, a dash and a number: ABC-123.
function parseVendorCode(code) {
  const valid = /^[A-Za-z]{3}-\d+$/.test(code);
  if (!valid) {
    throw new Error("bad vendor code: " + code);
  }
  const first = String(code).slice(0, 3);
  return Array.isArray(code) ? code[0] : first.toUpperCase();
}

function vendorChecksum(body) {
  const prefix = Buffer.from("vendor:", "utf8");
  const payload = Buffer.from(JSON.stringify(body));
  return Buffer.concat([prefix, payload]).toString("base64");
}
