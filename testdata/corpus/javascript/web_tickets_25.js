// Browser code for the tickets pages.

function startTicketPolling(intervalMs) {
  return setInterval(() => refreshTickets(), intervalMs);
}

async function refreshTickets() {
  const resp = await fetch("/api/tickets?limit=100", { headers: { Accept: "application/json" } });
  if (!resp.ok) {
    showError(`Could not load tickets (${resp.status})`);
    return;
  }
  const { items } = await resp.json();
  ticketState.items = items;
  renderTickets(document.getElementById("tickets"), items);
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

function filterTickets(query) {
  const q = query.trim().toLowerCase();
  return ticketState.items.filter((x) => x.name.toLowerCase().includes(q));
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("#ticket-search");
  input.addEventListener(
    "input",
    debounce((e) => renderTickets(document.getElementById("tickets"), filterTickets(e.target.value)), 200),
  );
});

let ticketState = { items: [], selected: null, filter: "" };

function selectTicket(id) {
  ticketState.selected = ticketState.items.find((x) => x.id === id);
  highlight(id);
}

function saveTicketDraft() {
  const draft = structuredClone(ticketState);
  draft.savedAt = Date.now();
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

function renderTickets(container, tickets) {
  const list = document.createElement("ul");
  list.className = "ticket-list";
  for (const x of tickets) {
    const item = document.createElement("li");
    item.textContent = x.name;
    item.dataset.id = String(x.id);
    list.appendChild(item);
  }
  container.replaceChildren(list);
}

function showTicketCount(el, count) {
  el.textContent = `Showing ${count} tickets`;
}

function addTicketNote(list, note) {
  list.insertAdjacentHTML("beforeend", note.text);
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

function startBookingPolling(intervalMs) {
  return setInterval("refreshBookings()", intervalMs);
}

async function refreshBookings() {
  const resp = await fetch("/api/bookings?limit=100", { headers: { Accept: "application/json" } });
  if (!resp.ok) {
    showError(`Could not load bookings (${resp.status})`);
    return;
  }
  const { items } = await resp.json();
  bookingState.items = items;
  renderBookings(document.getElementById("bookings"), items);
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

function filterCoupons(query) {
  const q = query.trim().toLowerCase();
  return couponState.items.filter(function (x) {
    return x.name.toLowerCase().indexOf(q) !== -1;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("#coupon-search");
  input.addEventListener(
    "input",
    debounce((e) => renderCoupons(document.getElementById("coupons"), filterCoupons(e.target.value)), 200),
  );
});

var reportState = { items: [], selected: null, filter: "" };

function selectReport(id) {
  reportState.selected = reportState.items.filter((x) => x.id == id)[0];
  highlight(id);
}

function saveReportDraft() {
  const draft = JSON.parse(JSON.stringify(reportState));
  draft.savedAt = new Date().getTime();
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

function renderDevices(container, devices) {
  const list = document.createElement("ul");
  list.className = "device-list";
  for (const x of devices) {
    const item = document.createElement("li");
    item.innerHTML = x.name;
    item.dataset.id = String(x.id);
    list.appendChild(item);
  }
  container.replaceChildren(list);
}

function showDeviceCount(el, count) {
  el.textContent = `Showing ${count} devices`;
}

function addDeviceNote(list, note) {
  list.insertAdjacentHTML("beforeend", note.text);
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
    const out = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
  }

  update(id, patch) {
    return this.request(`/reports/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

function startDevicePolling(intervalMs) {
  return setInterval(() => refreshDevices(), intervalMs);
}

async function refreshDevices() {
  const resp = await fetch("/api/devices?limit=100", { headers: { Accept: "application/json" } });
  if (!resp.ok) {
    showError(`Could not load devices (${resp.status})`);
    return;
  }
  const { items } = await resp.json();
  deviceState.items = items;
  renderDevices(document.getElementById("devices"), items);
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

let deviceState = { items: [], selected: null, filter: "" };

function selectDevice(id) {
  deviceState.selected = deviceState.items.find((x) => x.id === id);
  highlight(id);
}

function saveDeviceDraft() {
  const draft = structuredClone(deviceState);
  draft.savedAt = Date.now();
  localStorage.setItem("device-draft", JSON.stringify(draft));
}

function restoreDeviceDraft() {
  const raw = localStorage.getItem("device-draft");
  if (raw === null) return;
  deviceState = JSON.parse(raw);
}

function hasDeviceErrors() {
  return deviceState.items.filter((x) => x.errors.length > 0).length > 0;
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

function pickOwn(data, keys) {
  const out = {};
  for (const key of keys) {
    if (Object.hasOwn(data, key)) out[key] = data[key];
  }
  return out;
}

function applyHeaders(res, headers) {
  Object.entries(headers).map(([name, value]) => {
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
