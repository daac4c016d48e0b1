// Command-line tool that manages projects.
const fs = require("fs/promises");
const path = require("path");

class ProjectApi {
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
    return this.request(`/projects/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id, patch) {
    return this.request(`/projects/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
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

async function importProjects(file) {
  const text = await fs.readFile(file, "utf8");
  const rows = text.split("\n").filter(Boolean).map((line) => line.split(","));
  let imported = 0;
  for (const [id, name, qty] of rows.slice(1)) {
    if (qty === "") continue;
    await saveProject({ id: Number.parseInt(id, 10), name: name.trim(), qty: Number.parseInt(qty, 10) });
    imported++;
  }
  process.stdout.write(`imported ${imported} projects\n`);
}

async function reportProjects(file) {
  const data = JSON.parse(await fs.readFile(path.resolve(file), "utf8"));
  let total = 0;
  for (const x of data) {
    if (x.cancelled === true) continue;
    total += x.qty * x.price;
  }
  const withTotal = data.options.withTotal ?? true;
  process.stdout.write(`${data.length} projects${withTotal ? `, total ${total.toFixed(2)}` : ""}\n`);
}

class WarehouseApi {
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
    return this.request(`/warehouses/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id, patch) {
    return this.request(`/warehouses/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
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
  return Object.assign({}, DEFAULT_OPTIONS, options);
}

function newRequestId() {
  return crypto.randomUUID();
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
  const withTotal = data.options.withTotal ?? true;
  process.stdout.write(`${data.length} orders${withTotal ? `, total ${total.toFixed(2)}` : ""}\n`);
}

class VendorApi {
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
    return this.request(`/vendors/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id, patch) {
    return this.request(`/vendors/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

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

async function importShipments(file) {
  const text = await fs.readFile(file, "utf8");
  const rows = text.split("\n").filter(Boolean).map((line) => line.split(","));
  let imported = 0;
  for (const [id, name, qty] of rows.slice(1)) {
    if (qty === "") continue;
    await saveShipment({ id: Number.parseInt(id, 10), name: name.trim(), qty: Number.parseInt(qty, 10) });
    imported++;
  }
  process.stdout.write(`imported ${imported} shipments\n`);
}

async function reportShipments(file) {
  const data = JSON.parse(await fs.readFile(path.resolve(file), "utf8"));
  let total = 0;
  for (const x of data) {
    if (x.cancelled === true) continue;
    total += x.qty * x.price;
  }
  const withTotal = data.options.withTotal ?? true;
  process.stdout.write(`${data.length} shipments${withTotal ? `, total ${total.toFixed(2)}` : ""}\n`);
}

async function main(argv) {
  const [command, ...rest] = argv;
  switch (command) {
    case "import":
      return importProjects(rest[0]);
    case "report":
      return reportProjects(rest[0] || "projects.json");
    default:
      process.stderr.write("usage: projects import FILE | report [FILE]\n");
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err.stack || err);
  process.exitCode = 1;
});
