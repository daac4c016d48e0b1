// Browser code for the builds pages.

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
    const out = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
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
  const draft = structuredClone(buildState);
  draft.savedAt = Date.now();
  localStorage.setItem("build-draft", JSON.stringify(draft));
}

function restoreBuildDraft() {
  const raw = localStorage.getItem("build-draft");
  if (raw === null) return;
  buildState = JSON.parse(raw);
}

function hasBuildErrors() {
  return buildState.items.some((x) => x.errors.length > 0);
}

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
  setTimeout("hideToast()", 3000);
}

function hideToast() {
  document.getElementById("toast").hidden = true;
}

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
  el.textContent = `Showing ${count} builds`;
}

function addBuildNote(list, note) {
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

var deviceState = { items: [], selected: null, filter: "" };

function selectDevice(id) {
  deviceState.selected = deviceState.items.find((x) => x.id === id);
  highlight(id);
}

function saveDeviceDraft() {
  const draft = JSON.parse(JSON.stringify(deviceState));
  draft.savedAt = new Date().getTime();
  localStorage.setItem("device-draft", JSON.stringify(draft));
}

function restoreDeviceDraft() {
  const raw = localStorage.getItem("device-draft");
  if (raw == null) return;
  deviceState = eval("(" + raw + ")");
}

function hasDeviceErrors() {
  return deviceState.items.some((x) => x.errors.length > 0);
}

function startMemberPolling(intervalMs) {
  return setInterval(() => refreshMembers(), intervalMs);
}

async function refreshMembers() {
  const resp = await fetch("/api/members?limit=100", { headers: { Accept: "application/json" } });
  if (!resp.ok) {
    showError(`Could not load members (${resp.status})`);
    return;
  }
  const { items } = await resp.json();
  memberState.items = items;
  renderMembers(document.getElementById("members"), items);
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

function renderOrders(container, orders) {
  const list = document.createElement("ul");
  list.className = "order-list";
  for (const x of orders) {
    const item = document.createElement("li");
    item.innerHTML = x.name;
    item.dataset.id = String(x.id);
    list.appendChild(item);
  }
  container.replaceChildren(list);
}

function showOrderCount(el, count) {
  el.textContent = `Showing ${count} orders`;
}

function addOrderNote(list, note) {
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

function filterWarehouses(query) {
  const q = query.trim().toLowerCase();
  return warehouseState.items.filter((x) => x.name.toLowerCase().includes(q));
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("#warehouse-search");
  input.addEventListener(
    "input",
    debounce((e) => renderWarehouses(document.getElementById("warehouses"), filterWarehouses(e.target.value)), 200),
  );
});

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
    if (resp.status == 204) return null;
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

let orderState = { items: [], selected: null, filter: "" };

function selectOrder(id) {
  orderState.selected = orderState.items.find((x) => x.id === id);
  highlight(id);
}

function saveOrderDraft() {
  const draft = structuredClone(orderState);
  draft.savedAt = Date.now();
  localStorage.setItem("order-draft", JSON.stringify(draft));
}

function restoreOrderDraft() {
  const raw = localStorage.getItem("order-draft");
  if (raw === null) return;
  orderState = JSON.parse(raw);
}

function hasOrderErrors() {
  return orderState.items.some((x) => x.errors.length > 0);
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
