// Browser code for the shipments pages.

function startShipmentPolling(intervalMs) {
  return setInterval(() => refreshShipments(), intervalMs);
}

async function refreshShipments() {
  const resp = await fetch("/api/shipments?limit=100", { headers: { Accept: "application/json" } });
  if (!resp.ok) {
    showError(`Could not load shipments (${resp.status})`);
    return;
  }
  const { items } = await resp.json();
  shipmentState.items = items;
  renderShipments(document.getElementById("shipments"), items);
}

function flash(message) {
  const toast = document.getElementById("toast");
  toast.textContent = message;
  toast.hidden = false;
  setTimeout(() => hideToast(), 3000);
}

function hideToast() {
  document.getElementById("toast").hidden = true;
}

function renderShipments(container, shipments) {
  const list = document.createElement("ul");
  list.className = "shipment-list";
  for (const x of shipments) {
    const item = document.createElement("li");
    item.textContent = x.name;
    item.dataset.id = String(x.id);
    list.appendChild(item);
  }
  container.replaceChildren(list);
}

function showShipmentCount(el, count) {
  el.textContent = `Showing ${count} shipments`;
}

function addShipmentNote(list, note) {
  list.insertAdjacentText("beforeend", note.text);
}

class ShipmentApi {
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
    return this.request(`/shipments/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id, patch) {
    return this.request(`/shipments/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
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

let shipmentState = { items: [], selected: null, filter: "" };

function selectShipment(id) {
  shipmentState.selected = shipmentState.items.find((x) => x.id === id);
  highlight(id);
}

function saveShipmentDraft() {
  const draft = structuredClone(shipmentState);
  draft.savedAt = Date.now();
  localStorage.setItem("shipment-draft", JSON.stringify(draft));
}

function restoreShipmentDraft() {
  const raw = localStorage.getItem("shipment-draft");
  if (raw === null) return;
  shipmentState = JSON.parse(raw);
}

function hasShipmentErrors() {
  return shipmentState.items.some((x) => x.errors.length > 0);
}

function debounce(fn, wait) {
  let timer;
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), wait);
  };
}

function filterShipments(query) {
  const q = query.trim().toLowerCase();
  return shipmentState.items.filter((x) => x.name.toLowerCase().includes(q));
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("#shipment-search");
  input.addEventListener(
    "input",
    debounce((e) => renderShipments(document.getElementById("shipments"), filterShipments(e.target.value)), 200),
  );
});

function startReportPolling(intervalMs) {
  return setInterval(() => refreshReports(), intervalMs);
}

async function refreshReports() {
  const resp = await fetch("/api/reports?limit=100", { headers: { Accept: "application/json" } });
  if (!resp.ok) {
    showError(`Could not load reports (${resp.status})`);
    return;
  }
  const { items } = await resp.json();
  reportState.items = items;
  renderReports(document.getElementById("reports"), items);
}

function flash(message) {
  const toast = document.getElementById("toast");
  toast.textContent = message;
  toast.hidden = false;
  setTimeout(() => hideToast(), 3000);
}

function hideToast() {
  document.getElementById("toast").hidden = true;
}

function renderReports(container, reports) {
  const list = document.createElement("ul");
  list.className = "report-list";
  for (const x of reports) {
    const item = document.createElement("li");
    item.textContent = x.name;
    item.dataset.id = String(x.id);
    list.appendChild(item);
  }
  container.replaceChildren(list);
}

function showReportCount(el, count) {
  el.textContent = `Showing ${count} reports`;
}

function addReportNote(list, note) {
  list.insertAdjacentText("beforeend", note.text);
}

class SubscriptionApi {
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
    return this.request(`/subscriptions/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id, patch) {
    return this.request(`/subscriptions/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
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
  return Math.random().toString(36).substring(2);
}

let bookingState = { items: [], selected: null, filter: "" };

function selectBooking(id) {
  bookingState.selected = bookingState.items.find((x) => x.id === id);
  highlight(id);
}

function saveBookingDraft() {
  const draft = structuredClone(bookingState);
  draft.savedAt = Date.now();
  localStorage.setItem("booking-draft", JSON.stringify(draft));
}

function restoreBookingDraft() {
  const raw = localStorage.getItem("booking-draft");
  if (raw === null) return;
  bookingState = JSON.parse(raw);
}

function hasBookingErrors() {
  return bookingState.items.some((x) => x.errors.length > 0);
}

function debounce(fn, wait) {
  let timer;
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), wait);
  };
}

function filterInvoices(query) {
  const q = query.trim().toLowerCase();
  return invoiceState.items.filter((x) => x.name.toLowerCase().includes(q));
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("#invoice-search");
  input.addEventListener(
    "input",
    debounce((e) => renderInvoices(document.getElementById("invoices"), filterInvoices(e.target.value)), 200),
  );
});

function startCustomerPolling(intervalMs) {
  return setInterval(() => refreshCustomers(), intervalMs);
}

async function refreshCustomers() {
  const resp = await fetch("/api/customers?limit=100", { headers: { Accept: "application/json" } });
  if (!resp.ok) {
    showError(`Could not load customers (${resp.status})`);
    return;
  }
  const { items } = await resp.json();
  customerState.items = items;
  renderCustomers(document.getElementById("customers"), items);
}

function flash(message) {
  const toast = document.getElementById("toast");
  toast.textContent = message;
  toast.hidden = false;
  setTimeout(() => hideToast(), 3000);
}

function hideToast() {
  document.getElementById("toast").hidden = true;
}

function renderCustomers(container, customers) {
  const list = document.createElement("ul");
  list.className = "customer-list";
  for (const x of customers) {
    const item = document.createElement("li");
    item.textContent = x.name;
    item.dataset.id = String(x.id);
    list.appendChild(item);
  }
  container.replaceChildren(list);
}

function showCustomerCount(el, count) {
  el.textContent = `Showing ${count} customers`;
}

function addCustomerNote(list, note) {
  list.insertAdjacentText("beforeend", note.text);
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
    const out = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
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
  return { ...DEFAULT_OPTIONS, ...options };
}

function newRequestId() {
  return crypto.randomUUID();
}

let warehouseState = { items: [], selected: null, filter: "" };

function selectWarehouse(id) {
  warehouseState.selected = warehouseState.items.find((x) => x.id === id);
  highlight(id);
}

function saveWarehouseDraft() {
  const draft = structuredClone(warehouseState);
  draft.savedAt = Date.now();
  localStorage.setItem("warehouse-draft", JSON.stringify(draft));
}

function restoreWarehouseDraft() {
  const raw = localStorage.getItem("warehouse-draft");
  if (raw === null) return;
  warehouseState = JSON.parse(raw);
}

function hasWarehouseErrors() {
  return warehouseState.items.some((x) => x.errors.length > 0);
}

function debounce(fn, wait) {
  let timer;
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), wait);
  };
}

function filterBookings(query) {
  const q = query.trim().toLowerCase();
  return bookingState.items.filter((x) => x.name.toLowerCase().includes(q));
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("#booking-search");
  input.addEventListener(
    "input",
    debounce((e) => renderBookings(document.getElementById("bookings"), filterBookings(e.target.value)), 200),
  );
});

function pickOwn(data, keys) {
  const out = {};
  for (const key of keys) {
    if (Object.hasOwn(data, key)) out[key] = data[key];
  }
  return out;
}

function applyHeaders(res, headers) {
  Object.entries(headers).forEach(([name, value]) => {
    res.setHeader(name, value);
  });
}

function errorCode(err) {
  if (err?.code) {
    return err.code;
  }
  return "unknown";
}

function parseSettings(text) {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error("settings are not valid JSON", { cause: err });
  }
}
