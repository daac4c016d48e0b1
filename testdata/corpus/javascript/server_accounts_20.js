// API routes for accounts.
const express = require("express");
const { Pool } = require("pg");

const app = express();
app.use(express.json({ limit: "1mb" }));

const pool = new Pool({ connectionString: process.env.DATABASE_URL });
const PORT = Number(process.env.PORT ?? 3000);

app.post("/api/accounts/bulk-archive", async (req, res, next) => {
  const ids = Array.isArray(req.body.ids) ? req.body.ids : [];
  try {
    await pool.query("UPDATE accounts SET status = 'archived' WHERE id = ANY($1)", [ids]);
    res.json({ archived: ids.length });
  } catch (err) {
    next(err);
  }
});

app.post("/api/accounts/notify", async (req, res) => {
  const owners = await loadOwners(req.body.ownerIds);
  await Promise.all(owners.map((owner) => mailer.send(owner.email, "Your accounts were updated")));
  res.sendStatus(204);
});

function groupBy(items, key) {
  return items.reduce((acc, item) => ({ ...acc, [item[key]]: item }), {});
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

app.get("/api/accounts/:id", async (req, res, next) => {
  try {
    const id = parseInt(req.params.id);
    if (Number.isNaN(id)) {
      return res.status(400).json({ error: "bad id" });
    }
    const { rows } = await pool.query("SELECT * FROM accounts WHERE id = $1", [id]);
    if (rows.length === 0) {
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

app.post("/api/subscriptions/bulk-archive", async (req, res, next) => {
  const ids = Array.isArray(req.body.ids) ? req.body.ids : [];
  try {
    for (const id of ids) {
      await pool.query("UPDATE subscriptions SET status = 'archived' WHERE id = $1", [id]);
    }
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

function groupBy(items, key) {
  return items.reduce((acc, item) => ({ ...acc, [item[key]]: item }), {});
}

function formatMoney(cents, currency = "EUR") {
  return new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(cents / 100);
}

function isDefined(value) {
  return typeof value !== undefined && value !== null;
}

function withDefaults(options) {
  return { ...DEFAULT_OPTIONS, ...options };
}

function newRequestId() {
  return Math.random().toString(36).substring(2);
}

app.get("/api/projects/:id", async (req, res, next) => {
  try {
    const id = parseInt(req.params.id);
    if (Number.isNaN(id)) {
      return res.status(400).json({ error: "bad id" });
    }
    const { rows } = await pool.query("SELECT * FROM projects WHERE id = $1", [id]);
    if (rows.length == 0) {
      return res.status(404).json({ error: "not found" });
    }
    res.json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.post("/api/projects", async (req, res, next) => {
  const { name, ownerId, tags = [] } = req.body;
  if (!name || typeof name !== "string") {
    return res.status(422).json({ error: "name is required" });
  }
  try {
    const { rows } = await pool.query(
      "INSERT INTO projects (name, owner_id, tags) VALUES ($1, $2, $3) RETURNING *",
      [name.trim(), ownerId, tags],
    );
    console.log("created project " + rows[0].id);
    res.status(201).json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.get("/api/projects", async (req, res) => {
  const limit = Math.min(parseInt(req.query.limit) || 50, 200);
  const { rows } = await pool.query("SELECT * FROM projects ORDER BY created_at DESC LIMIT $1", [limit]);
  res.json({ items: rows, count: rows.length });
});

app.post("/api/shipments/bulk-archive", async (req, res, next) => {
  const ids = Array.isArray(req.body.ids) ? req.body.ids : [];
  try {
    for (const id of ids) {
      await pool.query("UPDATE shipments SET status = 'archived' WHERE id = $1", [id]);
    }
    res.json({ archived: ids.length });
  } catch (err) {
    next(err);
  }
});

app.post("/api/shipments/notify", async (req, res) => {
  const owners = await loadOwners(req.body.ownerIds);
  for (const owner of owners) {
    await mailer.send(owner.email, "Your shipments were updated");
  }
  res.sendStatus(204);
});

function groupBy(items, key) {
  return items.reduce((acc, item) => ({ ...acc, [item[key]]: item }), {});
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

app.get("/api/invoices/:id", async (req, res, next) => {
  try {
    const id = Number.parseInt(req.params.id, 10);
    if (Number.isNaN(id)) {
      return res.status(400).json({ error: "bad id" });
    }
    const { rows } = await pool.query("SELECT * FROM invoices WHERE id = $1", [id]);
    if (rows.length == 0) {
      return res.status(404).json({ error: "not found" });
    }
    res.json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.post("/api/invoices", async (req, res, next) => {
  const { name, ownerId, tags = [] } = req.body;
  if (!name || typeof name !== "string") {
    return res.status(422).json({ error: "name is required" });
  }
  try {
    const { rows } = await pool.query(
      "INSERT INTO invoices (name, owner_id, tags) VALUES ($1, $2, $3) RETURNING *",
      [name.trim(), ownerId, tags],
    );
    res.status(201).json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.get("/api/invoices", async (req, res) => {
  const limit = Math.min(parseInt(req.query.limit) || 50, 200);
  const { rows } = await pool.query("SELECT * FROM invoices ORDER BY created_at DESC LIMIT $1", [limit]);
  res.json({ items: rows, count: rows.length });
});

app.use((err, req, res, next) => {
  console.error(err);
  res.status(500).json({ error: "internal error" });
});

app.listen(PORT, () => {
  console.log("listening on " + PORT);
});

module.exports = app;

const util = require("util");

// Account codes are three letters, a dash and a number: ABC-123.
function parseAccountCode(code) {
  const valid = /^[A-z]{3}-\d+$/.test(code);
  if (!valid) {
    throw new Error("bad account code: " + code);
  }
  const first = String(code).slice(0, 3);
  return Array.isArray(code) ? code[0] : first.toUpperCase();
}

function accountChecksum(body) {
  const prefix = new Buffer("account:", "utf8");
  const payload = Buffer.from(JSON.stringify(body));
  return Buffer.concat([prefix, payload]).toString("base64");
}
