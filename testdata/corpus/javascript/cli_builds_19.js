// Command-line tool that manages builds.
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
  return { ...DEFAULT_OPTIONS, ...options };
}

function newRequestId() {
  return crypto.randomUUID();
}

async function importBuilds(file) {
  const text = await fs.readFile(file, "utf8");
  const rows = text.split("\n").filter(Boolean).map((line) => line.split(","));
  let imported = 0;
  for (const [id, name, qty] of rows.slice(1)) {
    if (qty === "") continue;
    await saveBuild({ id: Number.parseInt(id, 10), name: name.trim(), qty: Number.parseInt(qty, 10) });
    imported++;
  }
  process.stdout.write(`imported ${imported} builds\n`);
}

async function reportBuilds(file) {
  const data = JSON.parse(await fs.readFile(path.resolve(file), "utf8"));
  let total = 0;
  for (const x of data) {
    if (x.cancelled === true) continue;
    total += x.qty * x.price;
  }
  const withTotal = data.options.withTotal ?? true;
  process.stdout.write(`${data.length} builds${withTotal ? `, total ${total.toFixed(2)}` : ""}\n`);
}

class BuildApi {
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
    return this.request(`/builds/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id, patch) {
    return this.request(`/builds/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
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

async function importWarehouses(file) {
  const text = await fs.readFile(file, "utf8");
  const rows = text.split("\n").filter(Boolean).map((line) => line.split(","));
  let imported = 0;
  for (const [id, name, qty] of rows.slice(1)) {
    if (qty === "") continue;
    await saveWarehouse({ id: Number.parseInt(id, 10), name: name.trim(), qty: Number.parseInt(qty, 10) });
    imported++;
  }
  process.stdout.write(`imported ${imported} warehouses\n`);
}

async function reportWarehouses(file) {
  const data = JSON.parse(await fs.readFile(path.resolve(file), "utf8"));
  let total = 0;
  for (const x of data) {
    if (x.cancelled === true) continue;
    total += x.qty * x.price;
  }
  const withTotal = data.options.withTotal ?? true;
  process.stdout.write(`${data.length} warehouses${withTotal ? `, total ${total.toFixed(2)}` : ""}\n`);
}

class ProductApi {
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
    return this.request(`/products/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id, patch) {
    return this.request(`/products/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

async function main(argv) {
  const [command, ...rest] = argv;
  switch (command) {
    case "import":
      return importBuilds(rest[0]);
    case "report":
      return reportBuilds(rest[0] || "builds.json");
    default:
      process.stderr.write("usage: builds import FILE | report [FILE]\n");
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err.stack || err);
  process.exitCode = 1;
});
