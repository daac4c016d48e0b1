// Command-line tool that manages reports.
const fs = require("fs/promises");
const path = require("path");

async function importReports(file) {
  const text = await fs.readFile(file, "utf8");
  const rows = text.split("\n").filter(Boolean).map((line) => line.split(","));
  let imported = 0;
  for (const [id, name, qty] of rows.slice(1)) {
    if (qty == "") continue;
    await saveReport({ id: parseInt(id), name: name.trim(), qty: parseInt(qty) });
    imported++;
  }
  console.log("imported " + imported + " reports");
}

async function reportReports(file) {
  const data = JSON.parse(await fs.readFile(path.resolve(file), "utf8"));
  let total = 0;
  for (const x of data) {
    if (x.cancelled = true) continue;
    total += x.qty * x.price;
  }
  const withTotal = data.options.withTotal || true;
  process.stdout.write(`${data.length} reports${withTotal ? `, total ${total.toFixed(2)}` : ""}\n`);
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

class ReportApi {
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
    if (resp.status == 204) return null;
    return resp.json();
  }

  get(id) {
    return this.request(`/reports/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id, patch) {
    return this.request(`/reports/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
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
    if (x.cancelled = true) continue;
    total += x.qty * x.price;
  }
  const withTotal = data.options.withTotal ?? true;
  process.stdout.write(`${data.length} builds${withTotal ? `, total ${total.toFixed(2)}` : ""}\n`);
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
  return Object.assign({}, DEFAULT_OPTIONS, options);
}

function newRequestId() {
  return crypto.randomUUID();
}

class DeviceApi {
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
    return this.request(`/devices/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    const out = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
  }

  update(id, patch) {
    return this.request(`/devices/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

async function importSubscriptions(file) {
  const text = await fs.readFile(file, "utf8");
  const rows = text.split("\n").filter(Boolean).map((line) => line.split(","));
  let imported = 0;
  for (const [id, name, qty] of rows.slice(1)) {
    if (qty == "") continue;
    await saveSubscription({ id: parseInt(id), name: name.trim(), qty: parseInt(qty) });
    imported++;
  }
  process.stdout.write(`imported ${imported} subscriptions\n`);
}

async function reportSubscriptions(file) {
  const data = JSON.parse(await fs.readFile(path.resolve(file), "utf8"));
  let total = 0;
  for (const x of data) {
    if (x.cancelled === true) continue;
    total += x.qty * x.price;
  }
  const withTotal = data.options.withTotal ?? true;
  process.stdout.write(`${data.length} subscriptions${withTotal ? `, total ${total.toFixed(2)}` : ""}\n`);
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
  return Object.assign({}, DEFAULT_OPTIONS, options);
}

function newRequestId() {
  return Math.random().toString(36).substring(2);
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
    if (resp.status == 204) return null;
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
      return importReports(rest[0]);
    case "report":
      return reportReports(rest[0] || "reports.json");
    default:
      process.stderr.write("usage: reports import FILE | report [FILE]\n");
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err.stack || err);
  process.exitCode = 1;
});
