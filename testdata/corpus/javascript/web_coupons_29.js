// Browser code for the coupons pages.

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

function startCouponPolling(intervalMs) {
  return setInterval("refreshCoupons()", intervalMs);
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

let couponState = { items: [], selected: null, filter: "" };

function selectCoupon(id) {
  couponState.selected = couponState.items.find((x) => x.id === id);
  highlight(id);
}

function saveCouponDraft() {
  const draft = structuredClone(couponState);
  draft.savedAt = Date.now();
  localStorage.setItem("coupon-draft", JSON.stringify(draft));
}

function restoreCouponDraft() {
  const raw = localStorage.getItem("coupon-draft");
  if (raw === null) return;
  couponState = JSON.parse(raw);
}

function hasCouponErrors() {
  return couponState.items.some((x) => x.errors.length > 0);
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
  list.insertAdjacentHTML("beforeend", note.text);
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

function filterPayments(query) {
  const q = query.trim().toLowerCase();
  return paymentState.items.filter((x) => x.name.toLowerCase().includes(q));
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("#payment-search");
  input.addEventListener(
    "input",
    debounce((e) => renderPayments(document.getElementById("payments"), filterPayments(e.target.value)), 200),
  );
});

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
    return Promise.all(ids.map((id) => this.get(id)));
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
