-- The editor side of the end-to-end test (editors/neovim/e2e_test.go). It
-- acts as a user would and writes what happened as JSON to spec.out; the Go
-- test reads that and asks `syntx status --json`. It never sleeps: every wait
-- is for something to happen (an answer, an attached client, a status that
-- counts the outcomes), bounded by spec.timeout_ms, the Go test's generous
-- deadline. Neovim sends pending didChange notifications before any other
-- message to the server, so an edit is always seen before the request or
-- notification that follows it.
--
--   SYNTX_E2E_SPEC=spec.json nvim --headless --clean -u minimal_init.lua -c 'luafile scenario.lua'
--
-- spec: { mode = "feedback" | "quit" | "seed" | "retrain" | "commands" | "trust" | "diagnostics", out = path,
--         files = { { path, pattern, edit, undo } }, timeout_ms, health }

local syntx = require("syntx")
local util = vim.lsp.util

local spec = vim.fn.json_decode(table.concat(vim.fn.readfile(os.getenv("SYNTX_E2E_SPEC")), "\n"))
local timeout = spec.timeout_ms or 60000
local R = { mode = spec.mode, steps = {}, errors = {}, files = {}, nvim = vim.version() }

local function step(name, data)
  table.insert(R.steps, { name = name, data = data, ms = math.floor(vim.loop.hrtime() / 1e6) })
end

local function fail(msg)
  table.insert(R.errors, msg)
end

-- flush_scheduled returns once every callback scheduled (vim.schedule)
-- before the call has run: the queue is first in, first out.
local function flush_scheduled()
  local flushed = false
  vim.schedule(function()
    flushed = true
  end)
  vim.wait(timeout, function()
    return flushed
  end, 10)
end

local function write_results()
  R.progress = _G.SYNTX_PROGRESS
  R.state = {
    adapter = syntx.state.adapter,
    persona = syntx.state.persona,
    retrain = syntx.state.retrain,
    exited = syntx.state.exited,
    offers = #syntx.state.offers,
  }
  local ok, encoded = pcall(vim.fn.json_encode, R)
  if not ok then
    encoded = vim.fn.json_encode({ errors = { "could not encode results: " .. tostring(encoded), vim.inspect(R) } })
  end
  vim.fn.writefile({ encoded }, spec.out)
end

local function client_for(bufnr)
  return syntx.clients(bufnr)[1]
end

local function wait_attached(bufnr)
  local ok = vim.wait(timeout, function()
    local c = client_for(bufnr)
    return c ~= nil and c.initialized ~= false
  end, 20)
  if not ok then
    error("the SyntX client did not attach to " .. vim.api.nvim_buf_get_name(bufnr) .. " within " .. timeout .. " ms")
  end
  return client_for(bufnr)
end

-- request sends a request through the client (as Neovim's own code does) and
-- waits for the answer.
local function request(client, method, params, bufnr)
  local done, err, result = false, nil, nil
  syntx.request(client, method, params, function(e, r)
    done, err, result = true, e, r
  end, bufnr)
  if not vim.wait(timeout, function()
    return done
  end, 10) then
    return { message = method .. ": no answer within " .. timeout .. " ms" }, nil
  end
  return err, result
end

local function line_text(bufnr, line)
  return vim.api.nvim_buf_get_lines(bufnr, line, line + 1, false)[1]
end

local function find_line(bufnr, pattern)
  for i, l in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if l:find(pattern, 1, true) then
      return i - 1
    end
  end
  return nil
end

local function close_undo_block()
  vim.cmd("let &undolevels = &undolevels")
end

-- code_actions asks for the actions on lines [first, last] as an explicit
-- invocation (the user opened the menu).
local function code_actions(bufnr, first, last)
  local last_text = line_text(bufnr, last) or ""
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = first, character = 0 }, ["end"] = { line = last, character = #last_text } },
    context = { diagnostics = {}, triggerKind = 1 },
  }
  local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, timeout)
  local out = {}
  for _, resp in pairs(responses or {}) do
    if resp.err then
      fail("codeAction: " .. vim.inspect(resp.err))
    end
    for _, a in ipairs(resp.result or {}) do
      if type(a.kind) == "string" and a.kind:find(".syntx.", 1, true) then
        table.insert(out, a)
      end
    end
  end
  return out
end

local function edit_start_line(action)
  local line
  local e = action.edit or {}
  for _, dc in ipairs(e.documentChanges or {}) do
    for _, te in ipairs(dc.edits or {}) do
      line = line and math.min(line, te.range.start.line) or te.range.start.line
    end
  end
  for _, edits in pairs(e.changes or {}) do
    for _, te in ipairs(edits) do
      line = line and math.min(line, te.range.start.line) or te.range.start.line
    end
  end
  return line
end

-- apply does what Neovim's code action menu does with a chosen action:
-- ask for its edit when it came without one (codeAction/resolve: a file's
-- source action), apply the WorkspaceEdit, then run its command through
-- the client.
local function apply(client, bufnr, action)
  close_undo_block()
  if not action.edit then
    local err, resolved = request(client, "codeAction/resolve", action, bufnr)
    if err then
      return err
    end
    action = resolved
  end
  if action.edit then
    util.apply_workspace_edit(action.edit, client.offset_encoding)
  end
  close_undo_block()
  local err
  if type(action.command) == "table" then
    err = request(client, "workspace/executeCommand", {
      command = action.command.command,
      arguments = action.command.arguments,
    }, bufnr)
  end
  return err
end

local function stop_clients()
  local ids = {}
  for _, c in ipairs(syntx.clients()) do
    table.insert(ids, c.id)
    if vim.fn.has("nvim-0.11") == 1 then
      c:stop()
    else
      c.stop()
    end
  end
  local ok = vim.wait(timeout, function()
    for _, id in ipairs(ids) do
      if not syntx.state.exited[id] then
        return false
      end
    end
    return true
  end, 20)
  step("stopped", { clients = ids, clean = ok })
  if not ok then
    fail("the server did not exit within " .. timeout .. " ms of shutdown")
  end
end

local function status(client, bufnr)
  local err, result = request(client, "workspace/executeCommand", { command = "syntx.status", arguments = {} }, bufnr)
  if err then
    fail("syntx.status: " .. vim.inspect(err))
  end
  return result
end

local function open(path)
  vim.cmd("edit " .. vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  return bufnr, wait_attached(bufnr)
end

-- feedback: one site, accept, undo, type, save (scenario 1).
local function feedback(f)
  local bufnr, client = open(f.path)
  local rec = { path = f.path, filetype = vim.bo[bufnr].filetype }
  table.insert(R.files, rec)
  if spec.health then
    vim.cmd("checkhealth syntx")
    rec.health = vim.api.nvim_buf_get_lines(0, 0, -1, false)
    vim.cmd("bwipeout!")
    vim.cmd("buffer " .. bufnr)
  end
  local line = find_line(bufnr, f.pattern)
  if not line then
    error("pattern " .. vim.inspect(f.pattern) .. " not found in " .. f.path)
  end
  vim.api.nvim_win_set_cursor(0, { line + 1, 0 })
  rec.line = line
  rec.before = line_text(bufnr, line)
  local actions = code_actions(bufnr, line, line)
  rec.actions = #actions
  step("code actions", { n = #actions })
  if #actions == 0 then
    error("no SyntX code action at " .. f.path .. ":" .. (line + 1))
  end
  local a = actions[1]
  rec.applied = { title = a.title, kind = a.kind, command = a.command, data = a.data }
  local err = apply(client, bufnr, a)
  rec.after_apply = line_text(bufnr, line)
  if err then
    rec.accept_error = err.message or vim.inspect(err)
  end
  step("applied", { title = a.title })
  if f.undo ~= false then
    vim.cmd("normal! u")
    rec.after_undo = line_text(bufnr, line)
    step("undone")
  end
  -- Type an edit elsewhere, as a person goes on working.
  close_undo_block()
  vim.cmd("normal! G")
  vim.cmd("normal! o" .. (f.edit or "x"))
  step("typed")
  vim.cmd("write")
  rec.saved = vim.fn.readfile(f.path)
  step("saved")
  rec.status = status(client, bufnr)
end

-- quit: apply the first action at the site, save, and leave it to :wq
-- (below) to end the session, as a user quits: Neovim sends no didClose.
local function quit(f)
  local bufnr, client = open(f.path)
  local rec = { path = f.path, filetype = vim.bo[bufnr].filetype }
  table.insert(R.files, rec)
  local line = find_line(bufnr, f.pattern)
  if not line then
    error("pattern " .. vim.inspect(f.pattern) .. " not found in " .. f.path)
  end
  rec.before = line_text(bufnr, line)
  local actions = code_actions(bufnr, line, line)
  rec.actions = #actions
  if #actions == 0 then
    error("no SyntX code action at " .. f.path .. ":" .. (line + 1))
  end
  local err = apply(client, bufnr, actions[1])
  if err then
    rec.accept_error = err.message or vim.inspect(err)
  end
  rec.after_apply = line_text(bufnr, line)
  vim.cmd("write")
  rec.saved = vim.fn.readfile(f.path)
  step("applied and saved")
end

-- seed: every site of each file; style suggestions are undone, the others
-- kept (a consistent taste to learn), then saved.
local function seed(f)
  local bufnr, client = open(f.path)
  local rec = { path = f.path, applied = 0, undone = 0, kept = 0 }
  table.insert(R.files, rec)
  local seen = {}
  for _ = 1, 40 do
    local n = vim.api.nvim_buf_line_count(bufnr)
    local pick
    for _, a in ipairs(code_actions(bufnr, 0, n - 1)) do
      local key = a.title .. "@" .. tostring(edit_start_line(a))
      if not seen[key] then
        seen[key] = true
        pick = a
        break
      end
    end
    if not pick then
      break
    end
    local err = apply(client, bufnr, pick)
    if err then
      fail("accept: " .. (err.message or vim.inspect(err)))
    end
    rec.applied = rec.applied + 1
    if pick.kind:find("style", 1, true) then
      vim.cmd("normal! u")
      close_undo_block()
      rec.undone = rec.undone + 1
    else
      rec.kept = rec.kept + 1
    end
  end
  vim.cmd("write")
  R.seeded = (R.seeded or 0) + rec.applied
  -- Each applied suggestion is decided by the server: undone at once, kept
  -- at the save after the first checkpoint or at the last one. Wait until
  -- the status counts every one, so that no outcome is left undecided when
  -- the session ends, however slowly the server runs.
  local deadline = vim.loop.now() + timeout
  local decided
  while true do
    local ev = (status(client, bufnr) or {}).events or {}
    decided = (ev.kept or 0) + (ev.undone or 0) + (ev.edited or 0)
    if decided >= R.seeded or vim.loop.now() > deadline then
      break
    end
    -- No notification tells the client that a checkpoint passed: ask again
    -- a moment later.
    vim.wait(50)
  end
  if decided < R.seeded then
    fail("the server decided " .. decided .. " of " .. R.seeded .. " applied suggestions within " .. timeout .. " ms")
  end
end

-- retrain: :SyntxRetrain, with status before and after (scenario 2).
local function retrain(f)
  local bufnr, client = open(f.path)
  R.before = status(client, bufnr)
  syntx.state.adapter = nil
  syntx.refresh_status()
  vim.wait(timeout, function()
    return syntx.state.adapter ~= nil
  end, 20)
  R.adapter_before = syntx.state.adapter
  local notify = vim.notify
  R.retrain_messages = {}
  vim.notify = function(msg, level, opts)
    table.insert(R.retrain_messages, tostring(msg))
    return notify(msg, level, opts)
  end
  vim.cmd("SyntxRetrain")
  local ok = vim.wait(timeout, function()
    return syntx.state.retrain and syntx.state.retrain.done
  end, 20)
  R.retrain_finished = ok
  if not ok then
    fail("syntx.retrain did not answer within " .. timeout .. " ms")
  end
  -- The plugin refreshes the adapter after the answer.
  vim.wait(timeout, function()
    return syntx.state.retrain.adapter ~= nil or syntx.state.retrain.err ~= nil
  end, 20)
  -- Whatever else the retrain makes anyone say is said by now: the server
  -- sent it before answering a later request, and the plugin scheduled it
  -- before the flush.
  R.statusline = syntx.statusline()
  R.after = status(client, bufnr)
  flush_scheduled()
  vim.notify = notify
end

-- commands: the :Syntx* commands a user types, with vim.ui.select answered
-- by picking the first entry.
local function commands(f)
  local bufnr, client = open(f.path)
  vim.ui.select = function(items, _, on_choice)
    on_choice(items[1], 1)
  end
  local line = find_line(bufnr, f.pattern)
  vim.api.nvim_win_set_cursor(0, { line + 1, 0 })
  -- Open the menu as vim.lsp.buf.code_action() does (through client.request).
  local offered = #code_actions(bufnr, line, line)
  local seen = #syntx.state.offers
  R.commands = { offered = offered, remembered = seen }
  local function run(cmd, done)
    vim.cmd(cmd)
    local ok = vim.wait(timeout, done, 20)
    R.commands[cmd] = ok
    if not ok then
      fail(cmd .. ": no effect within " .. timeout .. " ms")
    end
  end
  run("SyntxDismiss wrong", function()
    return #syntx.state.offers < seen
  end)
  run("SyntxPersona security-reviewer", function()
    return syntx.state.persona == "security-reviewer"
  end)
  syntx.state.status = nil
  run("SyntxStatus", function()
    return syntx.state.status ~= nil
  end)
  R.status = status(client, bufnr)
end

-- trust: the project's own rule is not offered until :SyntxTrust, then it
-- is, marked as a workspace rule (scenario 4).
local function trust(f)
  local bufnr = open(f.path)
  local line = find_line(bufnr, f.pattern)
  local function titles()
    local out = {}
    for _, a in ipairs(code_actions(bufnr, line, line)) do
      table.insert(out, a.title)
    end
    return out
  end
  R.trust = { before = titles() }
  vim.cmd("SyntxTrust")
  local ok = vim.wait(timeout, function()
    return syntx.state.last_trust ~= nil
  end, 20)
  if not ok then
    fail(":SyntxTrust did not finish within " .. timeout .. " ms")
    return
  end
  R.trust.result = syntx.state.last_trust
  -- The server reloads in the background: ask until the rule shows.
  local after = {}
  vim.wait(15000, function()
    after = titles()
    for _, t in ipairs(after) do
      if t:find("workspace rule", 1, true) then
        return true
      end
    end
    return false
  end, 100)
  R.trust.after = after
end

-- syntx_diagnostics lists a buffer's SyntX diagnostics as plain tables.
local function syntx_diagnostics(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == "syntx" then
      local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
      table.insert(out, { lnum = d.lnum, col = d.col, code = code, severity = d.severity, message = d.message })
    end
  end
  table.sort(out, function(a, b)
    return a.lnum < b.lnum or (a.lnum == b.lnum and tostring(a.code) < tostring(b.code))
  end)
  return out
end

-- diagnostics: they appear on open, follow an edit, the menu ends with the
-- dismiss entry, a killed server is reported once and :SyntxRestart brings
-- it (and the diagnostics) back (scenario 5).
local function diagnostics(f)
  local messages = {}
  local notify = vim.notify
  vim.notify = function(msg, level, opts)
    table.insert(messages, { msg = tostring(msg), level = level })
    return notify(msg, level, opts)
  end
  local bufnr, client = open(f.path)
  local D = {}
  R.diagnostics = D
  local ok = vim.wait(timeout, function()
    return #syntx_diagnostics(bufnr) > 0
  end, 50)
  D.on_open = syntx_diagnostics(bufnr)
  step("diagnostics on open", { n = #D.on_open, ok = ok })
  if not ok then
    fail("no SyntX diagnostic within " .. timeout .. " ms of opening " .. f.path)
  end
  -- An edit adds a site: its diagnostic follows.
  local at = find_line(bufnr, f.insert_before)
  vim.api.nvim_buf_set_lines(bufnr, at, at, false, f.insert)
  D.inserted_at = at
  ok = vim.wait(timeout, function()
    for _, d in ipairs(syntx_diagnostics(bufnr)) do
      if d.lnum == at then
        return true
      end
    end
    return false
  end, 50)
  D.after_edit = syntx_diagnostics(bufnr)
  step("diagnostics after the edit", { ok = ok })
  if not ok then
    fail("no diagnostic on the inserted line " .. (at + 1) .. " within " .. timeout .. " ms")
  end
  -- The menu, as vim.lsp.buf.code_action() lists it: the server's order.
  local line = D.on_open[1] and D.on_open[1].lnum or 0
  local text = line_text(bufnr, line) or ""
  local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = line, character = 0 }, ["end"] = { line = line, character = #text } },
    context = { diagnostics = {}, triggerKind = 1 },
  }, timeout)
  D.menu = {}
  for _, resp in pairs(responses or {}) do
    for _, a in ipairs(resp.result or {}) do
      table.insert(D.menu, { title = a.title, kind = a.kind })
    end
  end
  -- Applying a suggestion takes it out of what :SyntxDismiss lists.
  local acts = code_actions(bufnr, line, line)
  local id = acts[1] and type(acts[1].data) == "table" and acts[1].data.suggestionId
  local function listed()
    for _, o in ipairs(syntx.state.offers) do
      if o.id == id then
        return true
      end
    end
    return false
  end
  D.picker = { id = id, before = listed() }
  if acts[1] then
    local err = apply(client, bufnr, acts[1])
    if err then
      fail("accept: " .. vim.inspect(err))
    end
  end
  D.picker.after = listed()
  -- Kill the server as a crash would.
  local pid = client.rpc and client.rpc.pid
  D.pid = pid
  if not pid then
    fail("no server pid on the client")
    return
  end
  vim.loop.kill(pid, 9)
  ok = vim.wait(timeout, function()
    return syntx.state.exited[client.id] ~= nil
  end, 20)
  if not ok then
    fail("the killed server's client did not exit within " .. timeout .. " ms")
  end
  -- The plugin's report and Neovim's own message are both scheduled when
  -- the client exits: wait for the report, then for the queue to drain.
  ok = vim.wait(timeout, function()
    for _, m in ipairs(messages) do
      if m.msg:find("stopped unexpectedly", 1, true) then
        return true
      end
    end
    return false
  end, 20)
  if not ok then
    fail("no report of the crash within " .. timeout .. " ms")
  end
  flush_scheduled()
  D.crash_messages = {}
  for _, m in ipairs(messages) do
    if m.msg:find("quit with exit code", 1, true) or m.msg:find("stopped unexpectedly", 1, true) then
      table.insert(D.crash_messages, m.msg)
    end
  end
  D.after_crash = #syntx_diagnostics(bufnr)
  step("killed", { pid = pid })
  vim.cmd("SyntxRestart")
  ok = vim.wait(timeout, function()
    local c = client_for(bufnr)
    return c ~= nil and c.id ~= client.id and c.initialized ~= false
  end, 20)
  if not ok then
    fail(":SyntxRestart started no client within " .. timeout .. " ms")
    return
  end
  D.restarted = client_for(bufnr).id
  ok = vim.wait(timeout, function()
    return #syntx_diagnostics(bufnr) > 0
  end, 50)
  D.after_restart = syntx_diagnostics(bufnr)
  step("restarted", { ok = ok })
  if not ok then
    fail("no diagnostics within " .. timeout .. " ms of :SyntxRestart")
  end
  vim.notify = notify
end

-- migrate: the file's source action, picked in Neovim's own menu
-- (vim.lsp.buf.code_action(), vim.ui.select answering as the user does).
-- It comes without its edit: Neovim asks for it (codeAction/resolve),
-- applies it and runs the action's command.
local function migrate(f)
  local bufnr = open(f.path)
  local M = { menu = {} }
  R.migrate = M
  local line = find_line(bufnr, f.pattern)
  if not line then
    error("pattern " .. vim.inspect(f.pattern) .. " not found in " .. f.path)
  end
  vim.api.nvim_win_set_cursor(0, { line + 1, 0 })
  local function text()
    return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n")
  end
  local before = text()
  local chosen = false
  local select = vim.ui.select
  vim.ui.select = function(items, _, on_choice)
    local pick
    for i, item in ipairs(items) do
      local a = item[2]
      table.insert(M.menu, { title = a.title, kind = a.kind, edit = a.edit ~= nil })
      if not pick and type(a.kind) == "string" and a.kind:find("source.syntx.", 1, true) == 1 then
        pick = i
      end
    end
    chosen = true
    on_choice(pick and items[pick] or nil, pick)
  end
  vim.lsp.buf.code_action()
  local ok = vim.wait(timeout, function()
    return chosen and text() ~= before
  end, 20)
  vim.ui.select = select
  M.after = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  step("migrated", { ok = ok })
  if not ok then
    fail("the source action was not applied within " .. timeout .. " ms; menu: " .. vim.inspect(M.menu))
  end
  vim.cmd("write")
end

local ok, err = pcall(function()
  for _, f in ipairs(spec.files) do
    if spec.mode == "feedback" then
      feedback(f)
    elseif spec.mode == "quit" then
      quit(f)
    elseif spec.mode == "seed" then
      seed(f)
    elseif spec.mode == "retrain" then
      retrain(f)
    elseif spec.mode == "commands" then
      commands(f)
    elseif spec.mode == "trust" then
      trust(f)
    elseif spec.mode == "diagnostics" then
      diagnostics(f)
    elseif spec.mode == "migrate" then
      migrate(f)
    else
      error("unknown mode " .. tostring(spec.mode))
    end
  end
end)
if not ok then
  fail(tostring(err))
end
if spec.mode == "quit" and ok then
  -- Quit as a user does, with the file open: Neovim stops its clients on
  -- the way out (shutdown, exit), and never sends didClose.
  R.done = true
  write_results()
  vim.cmd("wq")
end
local ok2, err2 = pcall(stop_clients)
if not ok2 then
  fail("stopping: " .. tostring(err2))
end
R.done = true
write_results()
vim.cmd("qa!")
