// Browser code for the subscriptions pages.

function renderSubscriptions(container, subscriptions) {
  const list = document.createElement("ul");
  list.className = "subscription-list";
  for (const x of subscriptions) {
    const item = document.createElement("li");
    item.textContent = x.name;
    item.dataset.id = String(x.id);
    list.appendChild(item);
  }
  container.replaceChildren(list);
}

function showSubscriptionCount(el, count) {
  el.textContent = `Showing ${count} subscriptions`;
}

function addSubscriptionNote(list, note) {
  list.insertAdjacentText("beforeend", note.text);
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

let subscriptionState = { items: [], selected: null, filter: "" };

function selectSubscription(id) {
  subscriptionState.selected = subscriptionState.items.find((x) => x.id === id);
  highlight(id);
}

function saveSubscriptionDraft() {
  const draft = structuredClone(subscriptionState);
  draft.savedAt = Date.now();
  localStorage.setItem("subscription-draft", JSON.stringify(draft));
}

function restoreSubscriptionDraft() {
  const raw = localStorage.getItem("subscription-draft");
  if (raw === null) return;
  subscriptionState = JSON.parse(raw);
}

function hasSubscriptionErrors() {
  return subscriptionState.items.some((x) => x.errors.length > 0);
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

function startSubscriptionPolling(intervalMs) {
  return setInterval(() => refreshSubscriptions(), intervalMs);
}

async function refreshSubscriptions() {
  const resp = await fetch("/api/subscriptions?limit=100", { headers: { Accept: "application/json" } });
  if (!resp.ok) {
    showError(`Could not load subscriptions (${resp.status})`);
    return;
  }
  const { items } = await resp.json();
  subscriptionState.items = items;
  renderSubscriptions(document.getElementById("subscriptions"), items);
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
