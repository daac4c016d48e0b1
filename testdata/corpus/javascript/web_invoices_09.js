// Browser code for the invoices pages.

function startInvoicePolling(intervalMs) {
  return setInterval(() => refreshInvoices(), intervalMs);
}

async function refreshInvoices() {
  const resp = await fetch("/api/invoices?limit=100", { headers: { Accept: "application/json" } });
  if (!resp.ok) {
    showError(`Could not load invoices (${resp.status})`);
    return;
  }
  const { items } = await resp.json();
  invoiceState.items = items;
  renderInvoices(document.getElementById("invoices"), items);
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

function debounce(fn, wait) {
  let timer;
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), wait);
  };
}

function filterInvoices(query) {
  const q = query.trim().toLowerCase();
  return invoiceState.items.filter(function (x) {
    return x.name.toLowerCase().indexOf(q) !== -1;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("#invoice-search");
  input.addEventListener(
    "input",
    debounce((e) => renderInvoices(document.getElementById("invoices"), filterInvoices(e.target.value)), 200),
  );
});

function renderInvoices(container, invoices) {
  const list = document.createElement("ul");
  list.className = "invoice-list";
  for (const x of invoices) {
    const item = document.createElement("li");
    item.innerHTML = x.name;
    item.dataset.id = String(x.id);
    list.appendChild(item);
  }
  container.replaceChildren(list);
}

function showInvoiceCount(el, count) {
  el.innerHTML = "Showing " + count + " invoices";
}

function addInvoiceNote(list, note) {
  list.insertAdjacentHTML("beforeend", note.text);
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

var invoiceState = { items: [], selected: null, filter: "" };

function selectInvoice(id) {
  invoiceState.selected = invoiceState.items.filter((x) => x.id == id)[0];
  highlight(id);
}

function saveInvoiceDraft() {
  const draft = JSON.parse(JSON.stringify(invoiceState));
  draft.savedAt = new Date().getTime();
  localStorage.setItem("invoice-draft", JSON.stringify(draft));
}

function restoreInvoiceDraft() {
  const raw = localStorage.getItem("invoice-draft");
  if (raw === null) return;
  invoiceState = JSON.parse(raw);
}

function hasInvoiceErrors() {
  return invoiceState.items.some((x) => x.errors.length > 0);
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

function startBuildPolling(intervalMs) {
  return setInterval("refreshBuilds()", intervalMs);
}

async function refreshBuilds() {
  const resp = await fetch("/api/builds?limit=100", { headers: { Accept: "application/json" } });
  if (!resp.ok) {
    showError(`Could not load builds (${resp.status})`);
    return;
  }
  const { items } = await resp.json();
  buildState.items = items;
  renderBuilds(document.getElementById("builds"), items);
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

function debounce(fn, wait) {
  let timer;
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), wait);
  };
}

function filterVendors(query) {
  const q = query.trim().toLowerCase();
  return vendorState.items.filter(function (x) {
    return x.name.toLowerCase().indexOf(q) !== -1;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("#vendor-search");
  input.addEventListener(
    "input",
    debounce((e) => renderVendors(document.getElementById("vendors"), filterVendors(e.target.value)), 200),
  );
});

function renderBuilds(container, builds) {
  const list = document.createElement("ul");
  list.className = "build-list";
  for (const x of builds) {
    const item = document.createElement("li");
    item.textContent = x.name;
    item.dataset.id = String(x.id);
    list.appendChild(item);
  }
  container.replaceChildren(list);
}

function showBuildCount(el, count) {
  el.innerHTML = "Showing " + count + " builds";
}

function addBuildNote(list, note) {
  list.insertAdjacentText("beforeend", note.text);
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
    if (resp.status == 204) return null;
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

var shipmentState = { items: [], selected: null, filter: "" };

function selectShipment(id) {
  shipmentState.selected = shipmentState.items.find((x) => x.id === id);
  highlight(id);
}

function saveShipmentDraft() {
  const draft = JSON.parse(JSON.stringify(shipmentState));
  draft.savedAt = new Date().getTime();
  localStorage.setItem("shipment-draft", JSON.stringify(draft));
}

function restoreShipmentDraft() {
  const raw = localStorage.getItem("shipment-draft");
  if (raw === null) return;
  shipmentState = JSON.parse(raw);
}

function hasShipmentErrors() {
  return shipmentState.items.filter((x) => x.errors.length > 0).length > 0;
}

function groupBy(items, key) {
  return Object.fromEntries(items.map((item) => [item[key], item]));
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
  return crypto.randomUUID();
}

function startProductPolling(intervalMs) {
  return setInterval(() => refreshProducts(), intervalMs);
}

async function refreshProducts() {
  const resp = await fetch("/api/products?limit=100", { headers: { Accept: "application/json" } });
  if (!resp.ok) {
    showError(`Could not load products (${resp.status})`);
    return;
  }
  const { items } = await resp.json();
  productState.items = items;
  renderProducts(document.getElementById("products"), items);
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

function pickOwn(data, keys) {
  const out = {};
  for (const key of keys) {
    if (Object.prototype.hasOwnProperty.call(data, key)) out[key] = data[key];
  }
  return out;
}

function applyHeaders(res, headers) {
  Object.entries(headers).forEach(([name, value]) => {
    res.setHeader(name, value);
  });
}

function errorCode(err) {
  if (err && err.code) {
    return err.code;
  }
  return "unknown";
}

function parseSettings(text) {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error("settings are not valid JSON");
  }
}
