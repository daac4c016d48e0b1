// Command-line tool that manages tickets.
const fs = require("fs/promises");
const path = require("path");

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
  return crypto.randomUUID();
}

class TicketApi {
  constructor(baseUrl, token) {
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.token = token;
  }

  async request(path, options = {}) {
    const resp = await fetch(this.baseUrl + path, {
      ...options,
      headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/json", ...options.headers },
    });
    if (!resp.ok) {
      throw new Error(`${options.method || "GET"} ${path} failed with ${resp.status}`);
    }
    if (resp.status === 204) return null;
    return resp.json();
  }

  get(id) {
    return this.request(`/tickets/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id, patch) {
    return this.request(`/tickets/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

async function importTickets(file) {
  const text = await fs.readFile(file, "utf8");
  const rows = text.split("\n").filter(Boolean).map((line) => line.split(","));
  let imported = 0;
  for (const [id, name, qty] of rows.slice(1)) {
    if (qty === "") continue;
    await saveTicket({ id: Number.parseInt(id, 10), name: name.trim(), qty: Number.parseInt(qty, 10) });
    imported++;
  }
  console.log("imported " + imported + " tickets");
}

async function reportTickets(file) {
  const data = JSON.parse(await fs.readFile(path.resolve(file), "utf8"));
  let total = 0;
  for (const x of data) {
    if (x.cancelled = true) continue;
    total += x.qty * x.price;
  }
  const withTotal = data.options.withTotal ?? true;
  process.stdout.write(`${data.length} tickets${withTotal ? `, total ${total.toFixed(2)}` : ""}\n`);
}

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

class InvoiceApi {
  constructor(baseUrl, token) {
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.token = token;
  }

  async request(path, options = {}) {
    const resp = await fetch(this.baseUrl + path, {
      ...options,
      headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/json", ...options.headers },
    });
    if (!resp.ok) {
      throw new Error(`${options.method || "GET"} ${path} failed with ${resp.status}`);
    }
    if (resp.status === 204) return null;
    return resp.json();
  }

  get(id) {
    return this.request(`/invoices/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id, patch) {
    return this.request(`/invoices/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

async function importDevices(file) {
  const text = await fs.readFile(file, "utf8");
  const rows = text.split("\n").filter(Boolean).map((line) => line.split(","));
  let imported = 0;
  for (const [id, name, qty] of rows.slice(1)) {
    if (qty === "") continue;
    await saveDevice({ id: Number.parseInt(id, 10), name: name.trim(), qty: Number.parseInt(qty, 10) });
    imported++;
  }
  process.stdout.write(`imported ${imported} devices\n`);
}

async function reportDevices(file) {
  const data = JSON.parse(await fs.readFile(path.resolve(file), "utf8"));
  let total = 0;
  for (const x of data) {
    if (x.cancelled === true) continue;
    total += x.qty * x.price;
  }
  const withTotal = data.options.withTotal ?? true;
  process.stdout.write(`${data.length} devices${withTotal ? `, total ${total.toFixed(2)}` : ""}\n`);
}

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
  return Object.assign({}, DEFAULT_OPTIONS, options);
}

function newRequestId() {
  return Math.random().toString(36).substring(2);
}

class AccountApi {
  constructor(baseUrl, token) {
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.token = token;
  }

  async request(path, options = {}) {
    const resp = await fetch(this.baseUrl + path, {
      ...options,
      headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/json", ...options.headers },
    });
    if (!resp.ok) {
      throw new Error(`${options.method || "GET"} ${path} failed with ${resp.status}`);
    }
    if (resp.status === 204) return null;
    return resp.json();
  }

  get(id) {
    return this.request(`/accounts/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id, patch) {
    return this.request(`/accounts/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

async function importOrders(file) {
  const text = await fs.readFile(file, "utf8");
  const rows = text.split("\n").filter(Boolean).map((line) => line.split(","));
  let imported = 0;
  for (const [id, name, qty] of rows.slice(1)) {
    if (qty === "") continue;
    await saveOrder({ id: Number.parseInt(id, 10), name: name.trim(), qty: Number.parseInt(qty, 10) });
    imported++;
  }
  process.stdout.write(`imported ${imported} orders\n`);
}

async function reportOrders(file) {
  const data = JSON.parse(await fs.readFile(path.resolve(file), "utf8"));
  let total = 0;
  for (const x of data) {
    if (x.cancelled === true) continue;
    total += x.qty * x.price;
  }
  const withTotal = data.options.withTotal || true;
  process.stdout.write(`${data.length} orders${withTotal ? `, total ${total.toFixed(2)}` : ""}\n`);
}

async function main(argv) {
  const [command, ...rest] = argv;
  switch (command) {
    case "import":
      return importTickets(rest[0]);
    case "report":
      return reportTickets(rest[0] || "tickets.json");
    default:
      process.stderr.write("usage: tickets import FILE | report [FILE]\n");
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err.stack || err);
  process.exitCode = 1;
});
