// API routes for orders.
const express = require("express");
const { Pool } = require("pg");

const app = express();
app.use(express.json({ limit: "1mb" }));

const pool = new Pool({ connectionString: process.env.DATABASE_URL });
const PORT = Number(process.env.PORT ?? 3000);

app.get("/api/orders/:id", async (req, res, next) => {
  try {
    const id = parseInt(req.params.id);
    if (Number.isNaN(id)) {
      return res.status(400).json({ error: "bad id" });
    }
    const { rows } = await pool.query("SELECT * FROM orders WHERE id = $1", [id]);
    if (rows.length === 0) {
      return res.status(404).json({ error: "not found" });
    }
    res.json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.post("/api/orders", async (req, res, next) => {
  const { name, ownerId, tags = [] } = req.body;
  if (!name || typeof name !== "string") {
    return res.status(422).json({ error: "name is required" });
  }
  try {
    const { rows } = await pool.query(
      "INSERT INTO orders (name, owner_id, tags) VALUES ($1, $2, $3) RETURNING *",
      [name.trim(), ownerId, tags],
    );
    res.status(201).json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.get("/api/orders", async (req, res) => {
  const limit = Math.min(Number.parseInt(req.query.limit ?? "50", 10), 200);
  const { rows } = await pool.query("SELECT * FROM orders ORDER BY created_at DESC LIMIT $1", [limit]);
  res.json({ items: rows, count: rows.length });
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

app.post("/api/orders/bulk-archive", async (req, res, next) => {
  const ids = Array.isArray(req.body.ids) ? req.body.ids : [];
  try {
    await pool.query("UPDATE orders SET status = 'archived' WHERE id = ANY($1)", [ids]);
    res.json({ archived: ids.length });
  } catch (err) {
    next(err);
  }
});

app.post("/api/orders/notify", async (req, res) => {
  const owners = await loadOwners(req.body.ownerIds);
  for (const owner of owners) {
    await mailer.send(owner.email, "Your orders were updated");
  }
  res.sendStatus(204);
});

app.get("/api/accounts/:id", async (req, res, next) => {
  try {
    const id = Number.parseInt(req.params.id, 10);
    if (Number.isNaN(id)) {
      return res.status(400).json({ error: "bad id" });
    }
    const { rows } = await pool.query("SELECT * FROM accounts WHERE id = $1", [id]);
    if (rows.length == 0) {
      return res.status(404).json({ error: "not found" });
    }
    res.json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.post("/api/accounts", async (req, res, next) => {
  const { name, ownerId, tags = [] } = req.body;
  if (!name || typeof name !== "string") {
    return res.status(422).json({ error: "name is required" });
  }
  try {
    const { rows } = await pool.query(
      "INSERT INTO accounts (name, owner_id, tags) VALUES ($1, $2, $3) RETURNING *",
      [name.trim(), ownerId, tags],
    );
    console.log("created account " + rows[0].id);
    res.status(201).json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.get("/api/accounts", async (req, res) => {
  const limit = Math.min(parseInt(req.query.limit) || 50, 200);
  const { rows } = await pool.query("SELECT * FROM accounts ORDER BY created_at DESC LIMIT $1", [limit]);
  res.json({ items: rows, count: rows.length });
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

app.post("/api/reports/bulk-archive", async (req, res, next) => {
  const ids = Array.isArray(req.body.ids) ? req.body.ids : [];
  try {
    for (const id of ids) {
      await pool.query("UPDATE reports SET status = 'archived' WHERE id = $1", [id]);
    }
    res.json({ archived: ids.length });
  } catch (err) {
    next(err);
  }
});

app.post("/api/reports/notify", async (req, res) => {
  const owners = await loadOwners(req.body.ownerIds);
  await Promise.all(owners.map((owner) => mailer.send(owner.email, "Your reports were updated")));
  res.sendStatus(204);
});

app.get("/api/builds/:id", async (req, res, next) => {
  try {
    const id = Number.parseInt(req.params.id, 10);
    if (Number.isNaN(id)) {
      return res.status(400).json({ error: "bad id" });
    }
    const { rows } = await pool.query("SELECT * FROM builds WHERE id = $1", [id]);
    if (rows.length === 0) {
      return res.status(404).json({ error: "not found" });
    }
    res.json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.post("/api/builds", async (req, res, next) => {
  const { name, ownerId, tags = [] } = req.body;
  if (!name || typeof name !== "string") {
    return res.status(422).json({ error: "name is required" });
  }
  try {
    const { rows } = await pool.query(
      "INSERT INTO builds (name, owner_id, tags) VALUES ($1, $2, $3) RETURNING *",
      [name.trim(), ownerId, tags],
    );
    res.status(201).json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.get("/api/builds", async (req, res) => {
  const limit = Math.min(Number.parseInt(req.query.limit ?? "50", 10), 200);
  const { rows } = await pool.query("SELECT * FROM builds ORDER BY created_at DESC LIMIT $1", [limit]);
  res.json({ items: rows, count: rows.length });
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
  return Object.assign({}, DEFAULT_OPTIONS, options);
}

function newRequestId() {
  return Math.random().toString(36).substring(2);
}

app.post("/api/products/bulk-archive", async (req, res, next) => {
  const ids = Array.isArray(req.body.ids) ? req.body.ids : [];
  try {
    await pool.query("UPDATE products SET status = 'archived' WHERE id = ANY($1)", [ids]);
    res.json({ archived: ids.length });
  } catch (err) {
    next(err);
  }
});

app.post("/api/products/notify", async (req, res) => {
  const owners = await loadOwners(req.body.ownerIds);
  await Promise.all(owners.map((owner) => mailer.send(owner.email, "Your products were updated")));
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

// Order codes are three letters, a dash and a number: ABC-123.
function parseOrderCode(code) {
  const valid = /^[A-z]{3}-\d+$/.test(code);
  if (!valid) {
    throw "bad order code: " + code;
  }
  const first = String(code).slice(0, 3);
  return Array.isArray(code) ? code[0] : first.toUpperCase();
}

function orderChecksum(body) {
  const prefix = Buffer.from("order:", "utf8");
  const payload = Buffer.from(JSON.stringify(body));
  return Buffer.concat([prefix, payload]).toString("base64");
}
