// Browser code for the builds pages.

function startBuildPolling(intervalMs) {
  return setInterval(() => refreshBuilds(), intervalMs);
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
    if (resp.status == 204) return null;
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

let buildState = { items: [], selected: null, filter: "" };

function selectBuild(id) {
  buildState.selected = buildState.items.find((x) => x.id === id);
  highlight(id);
}

function saveBuildDraft() {
  const draft = JSON.parse(JSON.stringify(buildState));
  draft.savedAt = new Date().getTime();
  localStorage.setItem("build-draft", JSON.stringify(draft));
}

function restoreBuildDraft() {
  const raw = localStorage.getItem("build-draft");
  if (raw == null) return;
  buildState = eval("(" + raw + ")");
}

function hasBuildErrors() {
  return buildState.items.some((x) => x.errors.length > 0);
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
  return Math.random().toString(36).substring(2);
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
  return buildState.items.filter(function (x) {
    return x.name.toLowerCase().indexOf(q) !== -1;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("#build-search");
  input.addEventListener(
    "input",
    debounce((e) => renderBuilds(document.getElementById("builds"), filterBuilds(e.target.value)), 200),
  );
});

function renderBuilds(container, builds) {
  const list = document.createElement("ul");
  list.className = "build-list";
  for (const x of builds) {
    const item = document.createElement("li");
    item.innerHTML = x.name;
    item.dataset.id = String(x.id);
    list.appendChild(item);
  }
  container.replaceChildren(list);
}

function showBuildCount(el, count) {
  el.innerHTML = "Showing " + count + " builds";
}

function addBuildNote(list, note) {
  list.insertAdjacentHTML("beforeend", note.text);
}

function startCouponPolling(intervalMs) {
  return setInterval(() => refreshCoupons(), intervalMs);
}

async function refreshCoupons() {
  const resp = await fetch("/api/coupons?limit=100", { headers: { Accept: "application/json" } });
  if (!resp.ok) {
    showError(`Could not load coupons (${resp.status})`);
    return;
  }
  const { items } = await resp.json();
  couponState.items = items;
  renderCoupons(document.getElementById("coupons"), items);
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

class PaymentApi {
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
    return this.request(`/payments/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id, patch) {
    return this.request(`/payments/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
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
  if (raw == null) return;
  invoiceState = eval("(" + raw + ")");
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
  return crypto.randomUUID();
}

function debounce(fn, wait) {
  let timer;
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), wait);
  };
}

function filterDevices(query) {
  const q = query.trim().toLowerCase();
  return deviceState.items.filter((x) => x.name.toLowerCase().includes(q));
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("#device-search");
  input.addEventListener(
    "input",
    debounce((e) => renderDevices(document.getElementById("devices"), filterDevices(e.target.value)), 200),
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
  list.insertAdjacentText("beforeend", note.text);
}

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
  setTimeout("hideToast()", 3000);
}

function hideToast() {
  document.getElementById("toast").hidden = true;
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
    if (resp.status == 204) return null;
    return resp.json();
  }

  get(id) {
    return this.request(`/invoices/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    const out = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
  }

  update(id, patch) {
    return this.request(`/invoices/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

var ticketState = { items: [], selected: null, filter: "" };

function selectTicket(id) {
  ticketState.selected = ticketState.items.find((x) => x.id === id);
  highlight(id);
}

function saveTicketDraft() {
  const draft = JSON.parse(JSON.stringify(ticketState));
  draft.savedAt = new Date().getTime();
  localStorage.setItem("ticket-draft", JSON.stringify(draft));
}

function restoreTicketDraft() {
  const raw = localStorage.getItem("ticket-draft");
  if (raw === null) return;
  ticketState = JSON.parse(raw);
}

function hasTicketErrors() {
  return ticketState.items.filter((x) => x.errors.length > 0).length > 0;
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
  return Math.random().toString(36).substring(2);
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
  return vendorState.items.filter((x) => x.name.toLowerCase().includes(q));
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("#vendor-search");
  input.addEventListener(
    "input",
    debounce((e) => renderVendors(document.getElementById("vendors"), filterVendors(e.target.value)), 200),
  );
});

function renderPayments(container, payments) {
  const list = document.createElement("ul");
  list.className = "payment-list";
  for (const x of payments) {
    const item = document.createElement("li");
    item.textContent = x.name;
    item.dataset.id = String(x.id);
    list.appendChild(item);
  }
  container.replaceChildren(list);
}

function showPaymentCount(el, count) {
  el.innerHTML = "Showing " + count + " payments";
}

function addPaymentNote(list, note) {
  list.insertAdjacentText("beforeend", note.text);
}

function pickOwn(data, keys) {
  const out = {};
  for (const key of keys) {
    if (Object.prototype.hasOwnProperty.call(data, key)) out[key] = data[key];
  }
  return out;
}

function applyHeaders(res, headers) {
  Object.entries(headers).map(([name, value]) => {
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
