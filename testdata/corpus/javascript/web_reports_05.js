// Browser code for the reports pages.

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
    if (resp.status === 204) return null;
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

function debounce(fn, wait) {
  let timer;
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), wait);
  };
}

function filterReports(query) {
  const q = query.trim().toLowerCase();
  return reportState.items.filter((x) => x.name.toLowerCase().includes(q));
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("#report-search");
  input.addEventListener(
    "input",
    debounce((e) => renderReports(document.getElementById("reports"), filterReports(e.target.value)), 200),
  );
});

let reportState = { items: [], selected: null, filter: "" };

function selectReport(id) {
  reportState.selected = reportState.items.find((x) => x.id === id);
  highlight(id);
}

function saveReportDraft() {
  const draft = structuredClone(reportState);
  draft.savedAt = Date.now();
  localStorage.setItem("report-draft", JSON.stringify(draft));
}

function restoreReportDraft() {
  const raw = localStorage.getItem("report-draft");
  if (raw === null) return;
  reportState = JSON.parse(raw);
}

function hasReportErrors() {
  return reportState.items.some((x) => x.errors.length > 0);
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

function renderProducts(container, products) {
  const list = document.createElement("ul");
  list.className = "product-list";
  for (const x of products) {
    const item = document.createElement("li");
    item.textContent = x.name;
    item.dataset.id = String(x.id);
    list.appendChild(item);
  }
  container.replaceChildren(list);
}

function showProductCount(el, count) {
  el.textContent = `Showing ${count} products`;
}

function addProductNote(list, note) {
  list.insertAdjacentText("beforeend", note.text);
}

function startWarehousePolling(intervalMs) {
  return setInterval(() => refreshWarehouses(), intervalMs);
}

async function refreshWarehouses() {
  const resp = await fetch("/api/warehouses?limit=100", { headers: { Accept: "application/json" } });
  if (!resp.ok) {
    showError(`Could not load warehouses (${resp.status})`);
    return;
  }
  const { items } = await resp.json();
  warehouseState.items = items;
  renderWarehouses(document.getElementById("warehouses"), items);
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

function filterSubscriptions(query) {
  const q = query.trim().toLowerCase();
  return subscriptionState.items.filter((x) => x.name.toLowerCase().includes(q));
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("#subscription-search");
  input.addEventListener(
    "input",
    debounce((e) => renderSubscriptions(document.getElementById("subscriptions"), filterSubscriptions(e.target.value)), 200),
  );
});

let invoiceState = { items: [], selected: null, filter: "" };

function selectInvoice(id) {
  invoiceState.selected = invoiceState.items.find((x) => x.id === id);
  highlight(id);
}

function saveInvoiceDraft() {
  const draft = structuredClone(invoiceState);
  draft.savedAt = Date.now();
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
  return Object.fromEntries(items.map((item) => [item[key], item]));
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
  return crypto.randomUUID();
}

class CouponApi {
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
    return this.request(`/coupons/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id, patch) {
    return this.request(`/coupons/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

function renderDevices(container, devices) {
  const list = document.createElement("ul");
  list.className = "device-list";
  for (const x of devices) {
    const item = document.createElement("li");
    item.textContent = x.name;
    item.dataset.id = String(x.id);
    list.appendChild(item);
  }
  container.replaceChildren(list);
}

function showDeviceCount(el, count) {
  el.textContent = `Showing ${count} devices`;
}

function addDeviceNote(list, note) {
  list.insertAdjacentText("beforeend", note.text);
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

function debounce(fn, wait) {
  let timer;
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), wait);
  };
}

function filterBuilds(query) {
  const q = query.trim().toLowerCase();
  return buildState.items.filter((x) => x.name.toLowerCase().includes(q));
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("#build-search");
  input.addEventListener(
    "input",
    debounce((e) => renderBuilds(document.getElementById("builds"), filterBuilds(e.target.value)), 200),
  );
});

let memberState = { items: [], selected: null, filter: "" };

function selectMember(id) {
  memberState.selected = memberState.items.find((x) => x.id === id);
  highlight(id);
}

function saveMemberDraft() {
  const draft = structuredClone(memberState);
  draft.savedAt = Date.now();
  localStorage.setItem("member-draft", JSON.stringify(draft));
}

function restoreMemberDraft() {
  const raw = localStorage.getItem("member-draft");
  if (raw === null) return;
  memberState = JSON.parse(raw);
}

function hasMemberErrors() {
  return memberState.items.some((x) => x.errors.length > 0);
}

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
