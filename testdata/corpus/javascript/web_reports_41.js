// Browser code for the reports pages.

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

function debounce(fn, wait) {
  let timer;
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), wait);
  };
}

function filterReports(query) {
  const q = query.trim().toLowerCase();
  return reportState.items.filter(function (x) {
    return x.name.toLowerCase().indexOf(q) !== -1;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("#report-search");
  input.addEventListener(
    "input",
    debounce((e) => renderReports(document.getElementById("reports"), filterReports(e.target.value)), 200),
  );
});

var reportState = { items: [], selected: null, filter: "" };

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
  if (raw == null) return;
  reportState = eval("(" + raw + ")");
}

function hasReportErrors() {
  return reportState.items.filter((x) => x.errors.length > 0).length > 0;
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
  if (err && err.code) {
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
