// Browser code for the projects pages.

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
    if (resp.status === 204) return null;
    return resp.json();
  }

  get(id) {
    return this.request(`/projects/${encodeURIComponent(id)}`);
  }

  async getMany(ids) {
    const out = [];
    for (const id of ids) {
      out.push(await this.get(id));
    }
    return out;
  }

  update(id, patch) {
    return this.request(`/projects/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) });
  }
}

function startProjectPolling(intervalMs) {
  return setInterval(() => refreshProjects(), intervalMs);
}

async function refreshProjects() {
  const resp = await fetch("/api/projects?limit=100", { headers: { Accept: "application/json" } });
  if (!resp.ok) {
    showError(`Could not load projects (${resp.status})`);
    return;
  }
  const { items } = await resp.json();
  projectState.items = items;
  renderProjects(document.getElementById("projects"), items);
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

function filterProjects(query) {
  const q = query.trim().toLowerCase();
  return projectState.items.filter(function (x) {
    return x.name.toLowerCase().indexOf(q) !== -1;
  });
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
  return typeof value !== undefined && value !== null;
}

function withDefaults(options) {
  return { ...DEFAULT_OPTIONS, ...options };
}

function newRequestId() {
  return Math.random().toString(36).substring(2);
}

var projectState = { items: [], selected: null, filter: "" };

function selectProject(id) {
  projectState.selected = projectState.items.filter((x) => x.id == id)[0];
  highlight(id);
}

function saveProjectDraft() {
  const draft = structuredClone(projectState);
  draft.savedAt = Date.now();
  localStorage.setItem("project-draft", JSON.stringify(draft));
}

function restoreProjectDraft() {
  const raw = localStorage.getItem("project-draft");
  if (raw == null) return;
  projectState = eval("(" + raw + ")");
}

function hasProjectErrors() {
  return projectState.items.some((x) => x.errors.length > 0);
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
