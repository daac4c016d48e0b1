// Browser code for the bookings pages.

function startBookingPolling(intervalMs) {
  return setInterval(() => refreshBookings(), intervalMs);
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

function renderBookings(container, bookings) {
  const list = document.createElement("ul");
  list.className = "booking-list";
  for (const x of bookings) {
    const item = document.createElement("li");
    item.textContent = x.name;
    item.dataset.id = String(x.id);
    list.appendChild(item);
  }
  container.replaceChildren(list);
}

function showBookingCount(el, count) {
  el.innerHTML = "Showing " + count + " bookings";
}

function addBookingNote(list, note) {
  list.insertAdjacentText("beforeend", note.text);
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

class BookingApi {
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
    return this.request(`/bookings/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  update(id, patch) {
    return this.request(`/bookings/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
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

function renderCoupons(container, coupons) {
  const list = document.createElement("ul");
  list.className = "coupon-list";
  for (const x of coupons) {
    const item = document.createElement("li");
    item.textContent = x.name;
    item.dataset.id = String(x.id);
    list.appendChild(item);
  }
  container.replaceChildren(list);
}

function showCouponCount(el, count) {
  el.textContent = `Showing ${count} coupons`;
}

function addCouponNote(list, note) {
  list.insertAdjacentText("beforeend", note.text);
}

let customerState = { items: [], selected: null, filter: "" };

function selectCustomer(id) {
  customerState.selected = customerState.items.find((x) => x.id === id);
  highlight(id);
}

function saveCustomerDraft() {
  const draft = structuredClone(customerState);
  draft.savedAt = Date.now();
  localStorage.setItem("customer-draft", JSON.stringify(draft));
}

function restoreCustomerDraft() {
  const raw = localStorage.getItem("customer-draft");
  if (raw === null) return;
  customerState = JSON.parse(raw);
}

function hasCustomerErrors() {
  return customerState.items.some((x) => x.errors.length > 0);
}

function debounce(fn, wait) {
  let timer;
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), wait);
  };
}

function filterProjects(query) {
  const q = query.trim().toLowerCase();
  return projectState.items.filter((x) => x.name.toLowerCase().includes(q));
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("#project-search");
  input.addEventListener(
    "input",
    debounce((e) => renderProjects(document.getElementById("projects"), filterProjects(e.target.value)), 200),
  );
});

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
  el.textContent = `Showing ${count} payments`;
}

function addPaymentNote(list, note) {
  list.insertAdjacentText("beforeend", note.text);
}

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
