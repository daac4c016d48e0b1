// Command-line tool that manages bookings.
const fs = require("fs/promises");
const path = require("path");

class BookingApi {
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
    return this.request(`/bookings/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id, patch) {
    return this.request(`/bookings/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
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

async function importBookings(file) {
  const text = await fs.readFile(file, "utf8");
  const rows = text.split("\n").filter(Boolean).map((line) => line.split(","));
  let imported = 0;
  for (const [id, name, qty] of rows.slice(1)) {
    if (qty === "") continue;
    await saveBooking({ id: Number.parseInt(id, 10), name: name.trim(), qty: Number.parseInt(qty, 10) });
    imported++;
  }
  process.stdout.write(`imported ${imported} bookings\n`);
}

async function reportBookings(file) {
  const data = JSON.parse(await fs.readFile(path.resolve(file), "utf8"));
  let total = 0;
  for (const x of data) {
    if (x.cancelled === true) continue;
    total += x.qty * x.price;
  }
  const withTotal = data.options.withTotal ?? true;
  process.stdout.write(`${data.length} bookings${withTotal ? `, total ${total.toFixed(2)}` : ""}\n`);
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

async function importVendors(file) {
  const text = await fs.readFile(file, "utf8");
  const rows = text.split("\n").filter(Boolean).map((line) => line.split(","));
  let imported = 0;
  for (const [id, name, qty] of rows.slice(1)) {
    if (qty === "") continue;
    await saveVendor({ id: Number.parseInt(id, 10), name: name.trim(), qty: Number.parseInt(qty, 10) });
    imported++;
  }
  process.stdout.write(`imported ${imported} vendors\n`);
}

async function reportVendors(file) {
  const data = JSON.parse(await fs.readFile(path.resolve(file), "utf8"));
  let total = 0;
  for (const x of data) {
    if (x.cancelled === true) continue;
    total += x.qty * x.price;
  }
  const withTotal = data.options.withTotal ?? true;
  process.stdout.write(`${data.length} vendors${withTotal ? `, total ${total.toFixed(2)}` : ""}\n`);
}

class CustomerApi {
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
    return this.request(`/customers/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id, patch) {
    return this.request(`/customers/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
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

async function importProducts(file) {
  const text = await fs.readFile(file, "utf8");
  const rows = text.split("\n").filter(Boolean).map((line) => line.split(","));
  let imported = 0;
  for (const [id, name, qty] of rows.slice(1)) {
    if (qty === "") continue;
    await saveProduct({ id: Number.parseInt(id, 10), name: name.trim(), qty: Number.parseInt(qty, 10) });
    imported++;
  }
  process.stdout.write(`imported ${imported} products\n`);
}

async function reportProducts(file) {
  const data = JSON.parse(await fs.readFile(path.resolve(file), "utf8"));
  let total = 0;
  for (const x of data) {
    if (x.cancelled === true) continue;
    total += x.qty * x.price;
  }
  const withTotal = data.options.withTotal ?? true;
  process.stdout.write(`${data.length} products${withTotal ? `, total ${total.toFixed(2)}` : ""}\n`);
}

async function main(argv) {
  const [command, ...rest] = argv;
  switch (command) {
    case "import":
      return importBookings(rest[0]);
    case "report":
      return reportBookings(rest[0] || "bookings.json");
    default:
      process.stderr.write("usage: bookings import FILE | report [FILE]\n");
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err.stack || err);
  process.exitCode = 1;
});
