// Drives VS Code (code-server) in headless Chromium as a user would, and
// keeps a screenshot of every step in SYNTX_E2E_OUT (NN-step.png):
//
//   1. the workbench;
//   2. check.py opened: SyntX's diagnostics are there on open (hint dots);
//   3. the hover on one: the rule's message, its code and the fix;
//   4. the quick fix menu at it: suggestions first, the dismiss entry last;
//   5. the fix applied, then Ctrl+Z: the server records it as undone;
//   6. inventory.go: the quick fix "Wrap the error with %w" applied and saved;
//      legacy.js: "Source Action..." lists the migration, which comes
//      without its edit; picked, VS Code resolves it (codeAction/resolve)
//      and applies it; onsave.ts: saved, editor.codeActionsOnSave (for
//      "source.syntx", TypeScript only) resolves and applies its migration;
//   7. SyntX: Retrain Now on the seeded feedback: the status bar ends on a
//      new adapter, with one message;
//   8. SyntX: Show Status: the status page;
//   9. SyntX: Open Report: the report page;
//  10. the server killed with SIGKILL: restarted, with a message;
//  11. killed three more times within 3 minutes: no longer restarted, the
//      message offers Restart, the status bar says "SyntX: stopped";
//  12. a click on that status bar item: the server is back.
//
// Run by run.sh, which seeds the data directory beforehand and checks
// `syntx status --json` afterwards.
"use strict";

const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");
const { chromium } = require("playwright-core");

const url = process.env.SYNTX_E2E_URL;
const out = process.env.SYNTX_E2E_OUT;
const ws = process.env.SYNTX_E2E_WS;
const bin = process.env.SYNTX_BIN;
const home = process.env.SYNTX_E2E_HOME;
const mod = process.platform === "darwin" ? "Meta" : "Control";
const results = { steps: [] };

function log(...a) {
  console.log("[drive]", ...a);
}

let shotNo = 0;
async function shot(page, name) {
  shotNo++;
  const file = `${String(shotNo).padStart(2, "0")}-${name}.png`;
  await page.screenshot({ path: path.join(out, file) }).catch(() => undefined);
  results.steps.push(file);
  return file;
}

async function statusBarText(page) {
  return page.evaluate(() => [...document.querySelectorAll(".statusbar-item")].map((e) => e.textContent || "").join(" | "));
}

async function syntxItem(page) {
  const m = (await statusBarText(page)).match(/SyntX[^|]*/);
  return m ? m[0].trim() : "";
}

async function waitFor(what, fn, ms = 30000, every = 250) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, every));
  }
}

async function palette(page, text) {
  await page.keyboard.press("F1");
  await page.waitForSelector(".quick-input-widget", { state: "visible", timeout: 10000 });
  await page.keyboard.type(text, { delay: 10 });
  await page.waitForTimeout(500);
  await page.keyboard.press("Enter");
}

async function openFile(page, name) {
  await page.keyboard.press(`${mod}+P`);
  await page.waitForSelector(".quick-input-widget", { state: "visible", timeout: 10000 });
  await page.keyboard.type(name, { delay: 10 });
  await page.waitForFunction(
    (n) => [...document.querySelectorAll(".quick-input-widget .monaco-list-row")].some((r) => (r.textContent || "").includes(n)),
    name,
    { timeout: 20000 },
  );
  await page.waitForTimeout(300);
  await page.keyboard.press("Enter");
  await page.waitForFunction((n) => [...document.querySelectorAll(".tab.active")].some((t) => (t.textContent || "").includes(n)), name, {
    timeout: 20000,
  });
  await page.waitForSelector(".monaco-editor .view-lines", { timeout: 20000 });
}

async function gotoLine(page, line, col) {
  await page.keyboard.press(`${mod}+G`);
  await page.keyboard.type(`${line}:${col}`, { delay: 10 });
  await page.keyboard.press("Enter");
  await page.waitForTimeout(600);
}

async function menuRows(page) {
  await page.waitForSelector(".action-widget .monaco-list-row.action", { timeout: 15000 });
  return page.$$eval(".action-widget .monaco-list-row", (rows) =>
    rows.map((r) => ({ text: (r.textContent || "").trim(), action: r.classList.contains("action"), focused: r.classList.contains("focused") })),
  );
}

async function toasts(page) {
  return page.$$eval(".notifications-toasts .notification-list-item-message", (ts) => ts.map((t) => t.textContent || ""));
}

function status() {
  return JSON.parse(execFileSync(bin, ["status", "--json"], { env: { ...process.env, SYNTX_HOME: home } }).toString());
}

// serverPids lists the `syntx serve` processes on this data directory.
function serverPids() {
  const pids = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`).toString().split("\0");
      if (cmd[0] !== bin || cmd[1] !== "serve") continue;
      const env = fs.readFileSync(`/proc/${d}/environ`).toString().split("\0");
      if (env.includes(`SYNTX_HOME=${home}`)) pids.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("console", (m) => {
    if (m.type() === "error") fs.appendFileSync(path.join(out, "console.log"), m.text() + "\n");
  });
  let failed = false;
  try {
    log("open", url);
    await page.goto(url, { waitUntil: "domcontentloaded", timeout: 60000 });
    await page.waitForSelector(".monaco-workbench", { timeout: 60000 });
    await page.waitForTimeout(3000);
    await shot(page, "workbench");

    // 2. Diagnostics on open.
    log("open check.py");
    await openFile(page, "check.py");
    await waitFor("the SyntX status bar item", async () => /SyntX: /.test(await statusBarText(page)), 60000);
    const hints = await waitFor(
      "SyntX's diagnostics on open (hint decorations)",
      async () => {
        const n = await page.$$eval(".monaco-editor .squiggly-hint", (e) => e.length);
        return n > 0 ? n : 0;
      },
      30000,
    );
    results.hintsOnOpen = hints;
    log("hint decorations on open:", hints);
    await shot(page, "diagnostics-on-open");

    // 3. The hover on `x is 1`.
    const src = fs.readFileSync(path.join(ws, "check.py"), "utf8").split("\n");
    const litLine = src.findIndex((l) => l.includes("x is 1"));
    await gotoLine(page, litLine + 1, src[litLine].indexOf("x is 1") + 2);
    await page.keyboard.press(`${mod}+K`);
    await page.keyboard.press(`${mod}+I`);
    const hover = await waitFor(
      "the diagnostic's hover",
      async () => {
        const t = await page.$$eval(".monaco-hover", (hs) => hs.map((h) => h.textContent || "").join(" "));
        return /syntx/.test(t) && /python\.is-literal/.test(t) ? t : "";
      },
      15000,
    );
    await page.waitForTimeout(800); // the hover fades in
    results.hover = hover.slice(0, 400);
    log("hover:", results.hover);
    await shot(page, "diagnostic-hover");
    await page.keyboard.press("Escape");

    // 4. The menu: suggestions first, the dismiss entry last.
    await page.keyboard.press(`${mod}+.`);
    const rows = await menuRows(page);
    const actions = rows.filter((r) => r.action);
    results.menu = rows.map((r) => r.text);
    log("menu:", results.menu);
    await shot(page, "menu-dismiss-last");
    if (!/Dismiss these suggestions/.test(actions[actions.length - 1].text)) throw new Error("the dismiss entry is not last");
    if (/Dismiss/.test(actions[0].text)) throw new Error("the dismiss entry is first");
    const focused = actions.find((r) => r.focused);
    if (focused && /Dismiss/.test(focused.text)) throw new Error("the dismiss entry is pre-selected");

    // 5. Apply the first suggestion, then undo it with Ctrl+Z.
    const before = status().events.undone || 0;
    await page.keyboard.press("Enter"); // the first action is focused
    await page.waitForTimeout(1500);
    await page.keyboard.press(`${mod}+Z`);
    const undone = await waitFor("the undo recorded as undone", async () => ((status().events.undone || 0) > before ? status().events.undone : 0), 20000, 500);
    results.undone = undone;
    log("events.undone:", undone);
    await shot(page, "undone");

    // 6. inventory.go: apply "Wrap the error with %w" and save.
    log("open inventory.go");
    await openFile(page, "inventory.go");
    const inv = path.join(ws, "inventory.go");
    const lines = fs.readFileSync(inv, "utf8").split("\n");
    const idx = lines.findIndex((l) => l.includes('fmt.Errorf("count %s: %v"'));
    await gotoLine(page, idx + 1, lines[idx].indexOf("fmt.Errorf") + 5);
    await page.keyboard.press(`${mod}+.`);
    const items = (await menuRows(page)).filter((r) => r.action).map((r) => r.text);
    log("quick fixes:", items);
    const first = items.findIndex((t) => /Wrap the error/.test(t));
    if (first < 0) throw new Error("no SyntX suggestion in the quick fix menu");
    for (let i = 0; i < first; i++) await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await page.waitForTimeout(1500);
    await page.keyboard.press(`${mod}+S`);
    await waitFor("the fix in the saved file", async () => fs.readFileSync(inv, "utf8").includes('fmt.Errorf("count %s: %w"'), 10000);
    await shot(page, "fix-applied-saved");

    // 6b. legacy.js: the migration from "Source Action...", resolved when
    // picked.
    log("open legacy.js");
    await openFile(page, "legacy.js");
    const legacy = path.join(ws, "legacy.js");
    await gotoLine(page, 2, 3);
    await palette(page, "Source Action...");
    const sourceItems = (await menuRows(page)).filter((r) => r.action).map((r) => r.text);
    log("source actions:", sourceItems);
    const mig = sourceItems.findIndex((t) => /Convert this file to let\/const \(2 sites\)/.test(t));
    if (mig < 0) throw new Error("no migration in the Source Action menu");
    for (let i = 0; i < mig; i++) await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await page.waitForTimeout(1500);
    await page.keyboard.press(`${mod}+S`);
    await waitFor(
      "the migration in the saved file",
      async () => {
        const t = fs.readFileSync(legacy, "utf8");
        return t.includes("let sum = 0;") && t.includes("for (let i = 0;");
      },
      10000,
    );
    results.migration = fs.readFileSync(legacy, "utf8");
    await shot(page, "migration-resolved-applied");

    // 6c. onsave.ts: a keystroke, then Ctrl+S; the settings ask for
    // SyntX's source actions on save in TypeScript, and VS Code resolves
    // the migration (which comes without its edit) before applying it.
    log("open onsave.ts");
    await openFile(page, "onsave.ts");
    const onsave = path.join(ws, "onsave.ts");
    await gotoLine(page, 6, 12);
    await page.keyboard.type(" ");
    await page.waitForTimeout(1000);
    await page.keyboard.press(`${mod}+S`);
    await waitFor(
      "the migration applied on save",
      async () => {
        const t = fs.readFileSync(onsave, "utf8");
        return t.includes("let n = 0;") && t.includes("for (let i = 0;") && !t.includes("var ");
      },
      15000,
    );
    results.onSave = fs.readFileSync(onsave, "utf8");
    await shot(page, "migration-on-save");

    // 7. Retrain on the seeded feedback: the status bar ends on a new adapter.
    const adapterBefore = await syntxItem(page);
    log("status bar before retrain:", adapterBefore);
    await palette(page, "SyntX: Retrain Now");
    const seen = new Set();
    const done = await waitFor(
      "the status bar on a new adapter after retraining",
      async () => {
        const item = await syntxItem(page);
        seen.add(item);
        return /SyntX: v\d+/.test(item) && item !== adapterBefore ? item : "";
      },
      90000,
      200,
    );
    await page.waitForTimeout(800);
    results.retrain = { before: adapterBefore, after: done, seen: [...seen], messages: (await toasts(page)).filter((t) => /retrain/i.test(t)) };
    log("retrain:", results.retrain);
    await shot(page, "retrained-new-adapter");
    if (results.retrain.messages.length !== 1) throw new Error(`retrain messages: ${JSON.stringify(results.retrain.messages)}; want one`);

    // 8. Show Status: a page, not a toast.
    await palette(page, "SyntX: Show Status");
    await waitFor("the status page", async () => (await page.$$eval(".tab", (ts) => ts.some((t) => /SyntX Status/.test(t.textContent || "")))), 15000);
    await page.waitForTimeout(1500);
    await shot(page, "status-page");

    // 9. Open Report.
    await palette(page, "SyntX: Open Report");
    await waitFor("the report page", async () => (await page.$$eval(".tab", (ts) => ts.some((t) => /SyntX Report/.test(t.textContent || "")))), 20000);
    await page.waitForTimeout(1500);
    await shot(page, "report-page");

    // 10. Kill the server: the extension restarts it and says so.
    const pids = serverPids();
    log("server pids:", pids);
    if (pids.length !== 1) throw new Error(`found ${pids.length} syntx serve processes on ${home}`);
    process.kill(pids[0], "SIGKILL");
    const msg = await waitFor(
      "the restart message",
      async () => (await toasts(page)).find((t) => /crashed; restarted it \(1 of 3/.test(t)) || "",
      30000,
    );
    const again = await waitFor("a new server", async () => serverPids().filter((p) => p !== pids[0])[0] || 0, 30000);
    await waitFor("the status bar back on the adapter", async () => /SyntX: v\d+/.test(await syntxItem(page)), 30000);
    results.restart = { killed: pids[0], new: again, message: msg, item: await syntxItem(page) };
    log("restart:", results.restart);
    await shot(page, "restarted-after-kill");

    // 11. Three more crashes within the window: the fourth is not restarted.
    // (VS Code shows at most three toasts at a time: clear the earlier ones.)
    await page.click(".tab:has-text('inventory.go')");
    await palette(page, "Notifications: Clear All Notifications");
    await page.waitForTimeout(500);
    // Each kill hits a server that finished starting (the status bar back
    // on the adapter), as crashes of a running server do.
    let victim = again;
    for (let i = 2; i <= 4; i++) {
      await waitFor(`server ${i} running`, async () => /SyntX: v\d+/.test(await syntxItem(page)), 30000);
      await page.waitForTimeout(1000);
      process.kill(victim, "SIGKILL");
      if (i < 4) {
        const prev = victim;
        victim = await waitFor(`server ${i + 1}`, async () => serverPids().filter((p) => p !== prev)[0] || 0, 30000);
      }
    }
    const gaveUp = await waitFor(
      "the message that the server was not restarted",
      async () => (await toasts(page)).find((t) => /crashed 4 times in 3 minutes and was not restarted/.test(t)) || "",
      30000,
    );
    results.toastsAfterCrashes = await toasts(page);
    await waitFor("the stopped status bar item", async () => /SyntX: stopped/.test(await syntxItem(page)), 15000);
    // No message still says it was restarted once it stays stopped.
    results.toastsWhenStopped = await waitFor(
      "the restart messages to close once the server stays stopped",
      async () => {
        const ts = await toasts(page);
        return ts.some((t) => /restarted it/.test(t)) ? "" : ts;
      },
      15000,
    );
    const buttons = await page.$$eval(".notifications-toasts .monaco-button", (bs) => bs.map((b) => (b.textContent || "").trim()));
    results.gaveUp = { message: gaveUp, buttons, pids: serverPids() };
    log("gave up:", results.gaveUp);
    await shot(page, "stopped-after-4-crashes");
    if (!buttons.includes("Restart")) throw new Error(`no Restart button: ${JSON.stringify(buttons)}`);
    if (results.gaveUp.pids.length !== 0) throw new Error("a server is running after the extension gave up");

    // 12. Click the stopped item: the server starts again.
    await page.click(".statusbar-item:has-text('SyntX: stopped')");
    const back = await waitFor("a server after clicking the stopped item", async () => serverPids()[0] || 0, 30000);
    await waitFor("the status bar back on the adapter", async () => /SyntX: v\d+/.test(await syntxItem(page)), 30000);
    results.clicked = { pid: back, item: await syntxItem(page) };
    log("after the click:", results.clicked);
    await shot(page, "restarted-from-status-item");
  } catch (e) {
    failed = true;
    results.error = e && e.message ? e.message : String(e);
    console.error("[drive] FAIL:", results.error);
    await shot(page, "failure");
  } finally {
    fs.writeFileSync(path.join(out, "drive.json"), JSON.stringify(results, null, 2));
    await browser.close();
  }
  process.exit(failed ? 1 : 0);
})();
