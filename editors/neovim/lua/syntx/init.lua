-- SyntX for Neovim: starts `syntx serve` for the supported filetypes and adds
-- the :Syntx* commands. Works on Neovim 0.7 (vim.lsp.start_client +
-- vim.lsp.buf_attach_client) and later (vim.lsp.start).
--
--   require("syntx").setup({
--     cmd = { "syntx", "serve" },   -- the server
--     persona = "security-reviewer", -- initializationOptions.persona
--     threshold = 0.3,              -- initializationOptions.policy.threshold
--     data_dir = "~/.local/share/syntx", -- SYNTX_HOME for the server
--   })
--
-- See :help syntx.

local M = {}

local uv = vim.uv or vim.loop

M.defaults = {
  name = "syntx",
  cmd = { "syntx", "serve" },
  filetypes = { "go", "python", "javascript", "javascriptreact", "typescript", "typescriptreact" },
  -- Files or directories that mark a project root; the first found upwards
  -- from the file wins, else the current directory.
  root_markers = { ".syntx", ".git", "go.mod", "package.json", "pyproject.toml", "setup.py" },
  persona = nil, -- string: initializationOptions.persona
  threshold = nil, -- number in [0, 1]: initializationOptions.policy.threshold
  data_dir = nil, -- string: SYNTX_HOME in the server's environment
  init_options = {}, -- more of the config tree (as config.toml), merged under persona/threshold
  cmd_env = {}, -- more environment for the server
  flags = {}, -- client flags (debounce_text_changes, exit_timeout, ...)
  capabilities = nil, -- client capabilities; nil: Neovim's defaults
  on_attach = nil, -- function(client, bufnr)
  on_progress = nil, -- function(token, value, client_id): every $/progress from the server
  progress = "echo", -- how progress is shown: "echo" (command line), "notify" or false
  personas = { "developer", "security-reviewer", "performance-auditor" }, -- for completion
}

-- State shared by the commands; exposed for statuslines and tests.
M.state = {
  config = nil, -- the merged options, once setup ran
  clients = {}, -- root_dir -> client id (0.7 path)
  tasks = {}, -- token -> { title, message, percentage }
  adapter = nil, -- last adapter reported by syntx.status (vim.NIL: base model)
  status = nil, -- the last syntx.status result
  persona = nil,
  exited = {}, -- client id -> { code, signal }
  offers = {}, -- recent suggestions still open: { id, set_id, title, kind, bufnr, line }
  crashes = {}, -- { code, signal, client_id } of each server that stopped unexpectedly
  stopping = {}, -- client id -> true while the plugin stops it on purpose
  last_progress = nil, -- the last end message
  retrains = 0,
}

local reasons = { "not-helpful", "wrong", "style", "other" }
M.dismiss_reasons = reasons

local function has(feature)
  return vim.fn.has(feature) == 1
end

local function notify(msg, level)
  vim.notify("SyntX: " .. msg, level or vim.log.levels.INFO)
end

local function deepcopy(t)
  return vim.deepcopy(t or {})
end

-- init_options builds initializationOptions: the same tree as config.toml.
function M.init_options(cfg)
  cfg = cfg or M.state.config or M.defaults
  local out = deepcopy(cfg.init_options)
  if cfg.persona and cfg.persona ~= "" then
    out.persona = cfg.persona
  end
  if type(cfg.threshold) == "number" then
    out.policy = type(out.policy) == "table" and out.policy or {}
    out.policy.threshold = cfg.threshold
  end
  return out
end

-- cmd_env: SYNTX_HOME from data_dir, plus cmd_env.
function M.cmd_env(cfg)
  cfg = cfg or M.state.config or M.defaults
  local env = deepcopy(cfg.cmd_env)
  if cfg.data_dir and cfg.data_dir ~= "" then
    env.SYNTX_HOME = vim.fn.expand(cfg.data_dir)
  end
  return env
end

-- root_dir finds the project root of a buffer.
function M.root_dir(bufnr, cfg)
  cfg = cfg or M.state.config or M.defaults
  local name = vim.api.nvim_buf_get_name(bufnr)
  local dir = name ~= "" and vim.fn.fnamemodify(name, ":p:h") or vim.fn.getcwd()
  local cur = dir
  while cur and cur ~= "" do
    for _, m in ipairs(cfg.root_markers or {}) do
      if uv.fs_stat(cur .. "/" .. m) then
        return cur
      end
    end
    local parent = vim.fn.fnamemodify(cur, ":h")
    if parent == cur then
      break
    end
    cur = parent
  end
  return vim.fn.getcwd()
end

-- Progress ------------------------------------------------------------------

local function render_progress()
  local cfg = M.state.config or M.defaults
  if not cfg.progress then
    return
  end
  local line = M.statusline()
  if cfg.progress == "notify" then
    return -- begin/end are notified; reports would flood
  end
  vim.api.nvim_echo({ { line, "ModeMsg" } }, false, {})
end

-- handle_progress applies one $/progress value to M.state.tasks. It is the
-- plugin's own bookkeeping; the built-in handler still runs before it.
function M.handle_progress(token, value, client_id)
  local cfg = M.state.config or M.defaults
  if type(value) ~= "table" then
    return
  end
  if value.kind == "begin" then
    M.state.tasks[token] = { title = value.title or "working", message = value.message, percentage = value.percentage }
    if cfg.progress == "notify" then
      notify((value.title or "working") .. (value.message and (": " .. value.message) or ""))
    end
  elseif value.kind == "report" then
    local t = M.state.tasks[token] or { title = "working" }
    if value.message then
      t.message = value.message
    end
    if value.percentage then
      t.percentage = value.percentage
    end
    M.state.tasks[token] = t
  elseif value.kind == "end" then
    local t = M.state.tasks[token]
    M.state.tasks[token] = nil
    local msg = value.message or ((t and t.title or "work") .. ": done")
    M.state.last_progress = msg
    -- :SyntxRetrain says how its run ended when the answer arrives: one
    -- message, not two.
    local ours = M.state.retrain and M.state.retrain.token == token
    if cfg.progress and not ours then
      notify(msg)
    end
    M.refresh_status()
  end
  if cfg.on_progress then
    pcall(cfg.on_progress, token, value, client_id)
  end
  if value.kind ~= "end" then
    render_progress()
  end
  pcall(vim.api.nvim_exec_autocmds, "User", { pattern = "SyntxProgress", modeline = false })
end

local function progress_handler(err, result, ctx, config)
  local default = vim.lsp.handlers["$/progress"]
  if default then
    pcall(default, err, result, ctx, config)
  end
  if result then
    M.handle_progress(result.token, result.value, ctx and ctx.client_id)
  end
  return vim.NIL
end

-- statusline: "SyntX: training 40%" while training, else "SyntX: <adapter>".
function M.statusline()
  local newest
  for _, t in pairs(M.state.tasks) do
    newest = t
  end
  if newest then
    local pct = newest.percentage and string.format(" %d%%", math.floor(newest.percentage + 0.5)) or ""
    local msg = newest.message and (" " .. newest.message) or ""
    local title = newest.title:gsub("^[Ss]ynt[Xx]:?%s*", "")
    return "SyntX: " .. string.lower(title) .. pct .. msg
  end
  local a = M.state.adapter
  if a == nil then
    return "SyntX"
  end
  if a == vim.NIL then
    return "SyntX: base"
  end
  return "SyntX: " .. tostring(a)
end

-- Offers (for :SyntxDismiss) ------------------------------------------------

local function record_offers(bufnr, actions)
  for _, a in ipairs(actions or {}) do
    local id
    if type(a.data) == "table" and type(a.data.suggestionId) == "string" then
      id = a.data.suggestionId
    elseif type(a.command) == "table" and a.command.command == "syntx.accept" and a.command.arguments then
      id = a.command.arguments[1]
    end
    if type(id) == "string" then
      local line
      local edit = a.edit or {}
      for _, dc in ipairs(edit.documentChanges or {}) do
        for _, e in ipairs(dc.edits or {}) do
          line = line and math.min(line, e.range.start.line) or e.range.start.line
        end
      end
      for _, edits in pairs(edit.changes or {}) do
        for _, e in ipairs(edits) do
          line = line and math.min(line, e.range.start.line) or e.range.start.line
        end
      end
      -- A file's source action comes without its edit (resolved when
      -- picked): its data names its first site.
      local site = type(a.data) == "table" and a.data.site
      if not line and type(site) == "table" and type(site.start) == "table" and type(site.start.line) == "number" then
        line = site.start.line
      end
      local set_id = type(a.data) == "table" and type(a.data.setId) == "string" and a.data.setId or nil
      table.insert(M.state.offers, {
        id = id, set_id = set_id, title = a.title, kind = a.kind, bufnr = bufnr, line = line or 0,
      })
    end
  end
  while #M.state.offers > 200 do
    table.remove(M.state.offers, 1)
  end
end

-- forget_offer drops a suggestion (or every suggestion of a set) from the
-- ones :SyntxDismiss offers: it was applied or dismissed.
function M.forget_offer(id)
  for i = #M.state.offers, 1, -1 do
    local o = M.state.offers[i]
    if o.id == id or o.set_id == id then
      table.remove(M.state.offers, i)
    end
  end
end

-- explicit counts the vim.lsp.buf.code_action calls running now. Neovim
-- before 0.8 sends no triggerKind, and SyntX takes a request without one for
-- an automatic one (as lightbulb plugins send on every cursor move): the
-- requests those calls make are marked Invoked (1), so the menu the user
-- opened gets every suggestion and the dismiss entry, and is followed.
local explicit = 0

local function mark_explicit()
  if vim.lsp.buf._syntx_marked then
    return
  end
  vim.lsp.buf._syntx_marked = true
  for _, name in ipairs({ "code_action", "range_code_action" }) do
    local orig = vim.lsp.buf[name]
    if type(orig) == "function" then
      vim.lsp.buf[name] = function(...)
        explicit = explicit + 1
        local ok, res = pcall(orig, ...)
        explicit = explicit - 1
        if not ok then
          error(res, 0)
        end
        return res
      end
    end
  end
end

-- watch_code_actions wraps client.request so the suggestions offered to the
-- code action menu are remembered for :SyntxDismiss, and those applied
-- (syntx.accept) or dismissed (syntx.dismiss) are forgotten. Both call
-- styles are handled: client.request(method, ...) (<= 0.10) and
-- client:request(...).
local function watch_code_actions(client)
  if client._syntx_wrapped then
    return
  end
  client._syntx_wrapped = true
  local orig = client.request
  client.request = function(...)
    local args = { ... }
    local n = select("#", ...)
    local i = (args[1] == client) and 2 or 1
    if args[i] == "workspace/executeCommand" and type(args[i + 1]) == "table" then
      local p = args[i + 1]
      local ours = p.command == "syntx.accept" or p.command == "syntx.dismiss"
      if ours and type(p.arguments) == "table" and type(p.arguments[1]) == "string" then
        M.forget_offer(p.arguments[1])
      end
    end
    local params = args[i + 1]
    if args[i] == "textDocument/codeAction" and explicit > 0 and type(params) == "table"
      and type(params.context) == "table" and params.context.triggerKind == nil then
      params.context.triggerKind = 1
    end
    if args[i] == "textDocument/codeAction" and type(args[i + 2]) == "function" then
      local handler = args[i + 2]
      local bufnr = args[i + 3]
      args[i + 2] = function(err, result, ctx, cfg)
        if not err and type(result) == "table" then
          pcall(record_offers, (ctx and ctx.bufnr) or bufnr or 0, result)
        end
        return handler(err, result, ctx, cfg)
      end
    end
    return orig(unpack(args, 1, n))
  end
end

-- Clients -------------------------------------------------------------------

local function client_config(bufnr, cfg)
  local root = M.root_dir(bufnr, cfg)
  local capabilities = cfg.capabilities or vim.lsp.protocol.make_client_capabilities()
  return {
    name = cfg.name,
    cmd = cfg.cmd,
    cmd_env = M.cmd_env(cfg),
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    -- An empty Lua table would go out as [], not {}.
    init_options = next(M.init_options(cfg)) and M.init_options(cfg) or vim.empty_dict(),
    capabilities = capabilities,
    flags = cfg.flags,
    handlers = { ["$/progress"] = progress_handler },
    on_init = function(client)
      watch_code_actions(client)
    end,
    on_attach = function(client, b)
      if cfg.on_attach then
        cfg.on_attach(client, b)
      end
      if M.state.adapter == nil then
        M.refresh_status()
      end
    end,
    on_exit = function(code, signal, client_id)
      M.state.exited[client_id] = { code = code, signal = signal }
      local intended = M.state.stopping[client_id]
      M.state.stopping[client_id] = nil
      if not intended and (code ~= 0 or (signal ~= 0 and signal ~= 15)) then
        M.report_crash(code, signal, client_id)
      end
      for root_dir, id in pairs(M.state.clients) do
        if id == client_id then
          M.state.clients[root_dir] = nil
        end
      end
      M.state.tasks = {}
    end,
  }
end

-- attach starts (or reuses) the server for a buffer and attaches it.
function M.attach(bufnr)
  local cfg = M.state.config or M.defaults
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  local conf = client_config(bufnr, cfg)
  if vim.lsp.start then
    return vim.lsp.start(conf, { bufnr = bufnr })
  end
  -- Neovim 0.7: one client per root directory.
  local id = M.state.clients[conf.root_dir]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client.is_stopped() then
    id = vim.lsp.start_client(conf)
    if not id then
      notify("could not start " .. table.concat(cfg.cmd, " "), vim.log.levels.ERROR)
      return nil
    end
    M.state.clients[conf.root_dir] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

-- report_crash says once that the server stopped, and how to start it
-- again. Neovim's own "Client N quit with exit code C and signal S", which
-- would say it a second time without the way out, is held back.
function M.report_crash(code, signal, client_id)
  table.insert(M.state.crashes, { code = code, signal = signal, client_id = client_id })
  local theirs = string.format("Client %s quit with exit code %s and signal %s", client_id, code, signal)
  local original = vim.notify
  vim.notify = function(msg, ...)
    if msg == theirs then
      vim.notify = original
      return
    end
    return original(msg, ...)
  end
  vim.schedule(function()
    vim.defer_fn(function()
      if vim.notify ~= original then
        vim.notify = original -- Neovim did not say it (a later version)
      end
    end, 1000)
    local why = signal ~= 0 and ("signal " .. signal) or ("exit code " .. code)
    original("SyntX: the server stopped unexpectedly (" .. why .. "); :SyntxRestart starts it again",
      vim.log.levels.ERROR)
  end)
end

local function stop_client(c)
  M.state.stopping[c.id] = true
  if vim.fn.has("nvim-0.11") == 1 then
    c:stop()
  else
    c.stop()
  end
end

-- restart stops the running SyntX clients (if any) and starts the server
-- again for every loaded buffer of a supported filetype. on_done(ids) gets
-- the new client ids.
function M.restart(on_done)
  local cfg = M.state.config or M.defaults
  local old = M.clients()
  for _, c in ipairs(old) do
    stop_client(c)
  end
  local function start_all()
    M.state.clients = {}
    local ids = {}
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(b) and vim.tbl_contains(cfg.filetypes, vim.bo[b].filetype) then
        local id = M.attach(b)
        if id then
          ids[id] = true
        end
      end
    end
    local list = vim.tbl_keys(ids)
    notify(#list > 0 and "server restarted"
      or "no " .. table.concat(cfg.filetypes, "/") .. " buffer to start the server for")
    if on_done then
      on_done(list)
    end
  end
  if #old == 0 then
    return start_all()
  end
  -- Wait (without blocking) for the old clients to exit.
  local tries = 0
  local function check()
    tries = tries + 1
    for _, c in ipairs(old) do
      if not M.state.exited[c.id] and tries < 100 then
        return vim.defer_fn(check, 50)
      end
    end
    start_all()
  end
  check()
end

-- clients lists the running SyntX clients (for a buffer, or all).
function M.clients(bufnr)
  local name = (M.state.config or M.defaults).name
  local out = {}
  local list
  if vim.lsp.get_clients then
    list = vim.lsp.get_clients({ name = name, bufnr = bufnr })
  else
    list = bufnr and vim.lsp.buf_get_clients(bufnr) or vim.lsp.get_active_clients()
  end
  for _, c in pairs(list) do
    if c.name == name then
      table.insert(out, c)
    end
  end
  return out
end

local function the_client()
  local c = M.clients(vim.api.nvim_get_current_buf())[1] or M.clients()[1]
  if not c then
    local filetypes = table.concat((M.state.config or M.defaults).filetypes, "/")
    notify("no SyntX server is running (open a " .. filetypes .. " file)", vim.log.levels.WARN)
  end
  return c
end

-- request sends a request through a client, whichever calling style this
-- Neovim uses (client:request since 0.11, client.request before).
function M.request(client, method, params, handler, bufnr)
  if vim.fn.has("nvim-0.11") == 1 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end
local request = M.request

-- execute sends workspace/executeCommand and calls on_done(err, result).
function M.execute(command, arguments, on_done, token)
  local client = the_client()
  if not client then
    return false
  end
  local params = { command = command, arguments = arguments or {} }
  if token ~= nil then
    params.workDoneToken = token
  end
  return request(client, "workspace/executeCommand", params, function(err, result)
    if on_done then
      on_done(err, result)
    end
  end, vim.api.nvim_get_current_buf())
end

local function err_text(err)
  if type(err) == "table" then
    return err.message or vim.inspect(err)
  end
  return tostring(err)
end

local function adapter_text(a)
  if a == nil then
    return "unknown"
  end
  if a == vim.NIL then
    return "base model"
  end
  if type(a) == "table" then
    return tostring(a.version or a.name or a.id or vim.inspect(a))
  end
  return tostring(a)
end

-- refresh_status asks syntx.status and keeps adapter/persona; on_done(result).
function M.refresh_status(on_done)
  local clients = M.clients()
  if #clients == 0 then
    return
  end
  request(clients[1], "workspace/executeCommand", { command = "syntx.status", arguments = {} }, function(err, result)
    if not err and type(result) == "table" then
      M.state.status = result
      -- Neovim decodes JSON null in objects to nil: no adapter = base model.
      M.state.adapter = result.adapter == nil and vim.NIL or result.adapter
      if type(result.persona) == "string" then
        M.state.persona = result.persona
      end
    end
    if on_done then
      on_done(err, result)
    end
  end)
end

local outcome_order = { "offered", "accepted", "kept", "undone", "edited", "ignored", "dismissed" }

-- describe_status formats a syntx.status result as lines.
function M.describe_status(s)
  local lines = { "Adapter: " .. (s.adapter == nil and "unknown" or adapter_text(s.adapter)) }
  if type(s.persona) == "string" then
    table.insert(lines, "Persona: " .. s.persona)
  end
  if type(s.events) == "table" then
    local parts, seen = {}, {}
    for _, k in ipairs(outcome_order) do
      if s.events[k] then
        table.insert(parts, k .. " " .. tostring(s.events[k]))
        seen[k] = true
      end
    end
    local rest = {}
    for k, v in pairs(s.events) do
      if not seen[k] then
        table.insert(rest, k .. " " .. tostring(v))
      end
    end
    table.sort(rest)
    vim.list_extend(parts, rest)
    table.insert(lines, "Events: " .. (#parts > 0 and table.concat(parts, ", ") or "none"))
  end
  if s.preferences ~= nil then
    table.insert(lines, "Preferences: " .. tostring(s.preferences))
  end
  local ws = s.workspace
  if type(ws) == "table" and type(ws.files) == "string" and ws.files ~= "" then
    if ws.trusted == true then
      table.insert(lines, string.format("Workspace: %s in use (%d workspace rules)", ws.files, tonumber(ws.rules) or 0))
    else
      local why = (type(ws.note) == "string" and ws.note ~= "") and (" (" .. ws.note .. ")") or ""
      table.insert(lines, "Workspace: " .. ws.files .. " not loaded" .. why .. "; :SyntxTrust to use them")
    end
  end
  if type(s.version) == "string" then
    table.insert(lines, "Server: " .. s.version)
  end
  return lines
end

-- Commands ------------------------------------------------------------------

function M.retrain()
  M.state.retrains = M.state.retrains + 1
  local token = string.format("syntx-retrain-%d-%d", vim.fn.getpid(), M.state.retrains)
  local before = M.state.adapter
  M.state.retrain = { token = token, done = false }
  M.state.tasks[token] = { title = "training" }
  render_progress()
  local sent = M.execute("syntx.retrain", {}, function(err, result)
    M.state.tasks[token] = nil
    M.state.retrain.done = true
    if err then
      M.state.retrain.err = err_text(err)
      notify("retrain: " .. err_text(err), vim.log.levels.ERROR)
      return
    end
    M.state.retrain.result = result
    local r = type(result) == "table" and result or {}
    if r.decision == "not-enough-feedback" then
      -- Not a failure: there is too little feedback yet.
      M.state.retrain.adapter = M.state.adapter
      notify((r.message or "not enough feedback to retrain yet")
        .. "; keep applying, undoing and dismissing suggestions")
      return
    end
    M.refresh_status(function()
      local after = M.state.adapter
      M.state.retrain.adapter = after
      local change = after ~= before and ("active adapter " .. adapter_text(before) .. " → " .. adapter_text(after))
        or ("the active adapter stays " .. adapter_text(after))
      local detail = type(r.message) == "string" and r.message ~= "" and (". " .. r.message) or ""
      notify("retrained: " .. change .. detail)
    end)
  end, token)
  if not sent then
    M.state.tasks[token] = nil
    M.state.retrain.done = true
    M.state.retrain.err = "no SyntX server is running"
  end
  return token
end

function M.status()
  M.execute("syntx.status", {}, function(err, result)
    if err then
      notify("status: " .. err_text(err), vim.log.levels.ERROR)
      return
    end
    result = type(result) == "table" and result or {}
    if result.adapter == nil then
      result.adapter = vim.NIL -- JSON null decodes to nil: the base model
    end
    M.state.adapter = result.adapter
    M.state.status = result
    local lines = M.describe_status(result)
    vim.api.nvim_echo({ { "SyntX\n" .. table.concat(lines, "\n"), "Normal" } }, true, {})
  end)
end

function M.set_persona(name)
  local function send(n)
    if not n or n == "" then
      return
    end
    M.execute("syntx.setPersona", { n }, function(err)
      if err then
        notify("persona: " .. err_text(err), vim.log.levels.ERROR)
        return
      end
      M.state.persona = n
      notify("persona: " .. n)
    end)
  end
  if name and name ~= "" then
    return send(name)
  end
  vim.ui.select((M.state.config or M.defaults).personas, { prompt = "SyntX persona" }, send)
end

function M.rollback()
  M.execute("syntx.rollback", {}, function(err)
    if err then
      notify("rollback: " .. err_text(err), vim.log.levels.ERROR)
      return
    end
    M.refresh_status(function()
      notify("rolled back; active adapter: " .. adapter_text(M.state.adapter))
    end)
  end)
end

local function valid_reason(r)
  return vim.tbl_contains(reasons, r)
end

-- dismiss [id] [reason]: without an id, pick among the suggestions offered at
-- the cursor's line (asking the server for them if none were seen).
function M.dismiss(id, reason)
  local function send(sid, why)
    M.execute("syntx.dismiss", { sid, why }, function(err)
      if err then
        notify("dismiss: " .. err_text(err), vim.log.levels.ERROR)
        return
      end
      M.forget_offer(sid)
      notify("dismissed (" .. why .. ")")
    end)
  end
  local function with_reason(sid)
    if not sid then
      return
    end
    if valid_reason(reason) then
      return send(sid, reason)
    end
    vim.ui.select(reasons, { prompt = "Why? (SyntX learns from this, on this machine only)" }, function(r)
      if r then
        send(sid, r)
      end
    end)
  end
  if id and id ~= "" then
    return with_reason(id)
  end
  local bufnr = vim.api.nvim_get_current_buf()
  local line = vim.api.nvim_win_get_cursor(0)[1] - 1
  local function here()
    local out, seen = {}, {}
    for i = #M.state.offers, 1, -1 do
      local o = M.state.offers[i]
      if o.bufnr == bufnr and o.line == line and not seen[o.title] then
        seen[o.title] = true
        table.insert(out, o)
      end
    end
    return out
  end
  local function choose(cands)
    if #cands == 0 then
      notify("no SyntX suggestion on this line", vim.log.levels.WARN)
      return
    end
    vim.ui.select(cands, {
      prompt = "Dismiss which suggestion?",
      format_item = function(o)
        return o.title .. "  [" .. tostring(o.kind) .. "]"
      end,
    }, function(o)
      with_reason(o and o.id)
    end)
  end
  local cands = here()
  if #cands > 0 then
    return choose(cands)
  end
  local client = the_client()
  if not client then
    return
  end
  local text = vim.api.nvim_buf_get_lines(bufnr, line, line + 1, false)[1] or ""
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = line, character = 0 }, ["end"] = { line = line, character = #text } },
    context = { diagnostics = {}, triggerKind = 1 },
  }
  request(client, "textDocument/codeAction", params, function(err)
    if err then
      notify("dismiss: " .. err_text(err), vim.log.levels.ERROR)
      return
    end
    choose(here())
  end, bufnr)
end

-- notify_client sends a notification through a client, whichever calling
-- style this Neovim uses.
local function notify_client(client, method, params)
  if vim.fn.has("nvim-0.11") == 1 then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

-- trust runs `syntx trust [--revoke] <root>` for the current buffer's
-- project root (the server's binary and environment), so that the
-- workspace's own .syntx/rules and .syntx/config.toml load: SyntX ignores
-- them until the user trusts the folder, pinned to the files' hashes. Then
-- the running servers for that root are told to look again
-- (syntx/workspaceTrust). on_done(ok, output) is called at the end.
function M.trust(revoke, on_done)
  local cfg = M.state.config or M.defaults
  local root = M.root_dir(vim.api.nvim_get_current_buf(), cfg)
  local argv = { cfg.cmd[1], "trust" }
  if revoke then
    table.insert(argv, "--revoke")
  end
  table.insert(argv, root)
  local env = vim.tbl_extend("force", vim.fn.environ(), M.cmd_env(cfg))
  local out = {}
  local function collect(_, data)
    for _, l in ipairs(data or {}) do
      if l ~= "" then
        table.insert(out, l)
      end
    end
  end
  local job = vim.fn.jobstart(argv, {
    env = env,
    stdout_buffered = true,
    stderr_buffered = true,
    on_stdout = collect,
    on_stderr = collect,
    on_exit = function(_, code)
      local text = table.concat(out, "\n")
      if code ~= 0 then
        notify((revoke and "revoke" or "trust") .. " failed: " .. text, vim.log.levels.ERROR)
      else
        notify(text)
        for _, c in ipairs(M.clients()) do
          if c.config and c.config.root_dir == root then
            notify_client(c, "syntx/workspaceTrust", vim.empty_dict())
          end
        end
      end
      M.state.last_trust = { root = root, ok = code == 0, output = text, revoke = revoke or false }
      if on_done then
        on_done(code == 0, text)
      end
    end,
  })
  if job <= 0 then
    notify("could not run " .. tostring(cfg.cmd[1]) .. " trust", vim.log.levels.ERROR)
    if on_done then
      on_done(false, "")
    end
  end
end

local function create_commands(cfg)
  local cmd = vim.api.nvim_create_user_command
  cmd("SyntxRetrain", function()
    M.retrain()
  end, { desc = "SyntX: train a new adapter now (progress in the command line)" })
  cmd("SyntxStatus", function()
    M.status()
  end, { desc = "SyntX: show the active adapter, persona and feedback counts" })
  cmd("SyntxPersona", function(o)
    M.set_persona(o.args)
  end, {
    nargs = "?",
    desc = "SyntX: switch persona",
    complete = function(lead)
      return vim.tbl_filter(function(p)
        return p:sub(1, #lead) == lead
      end, cfg.personas)
    end,
  })
  cmd("SyntxRollback", function()
    M.rollback()
  end, { desc = "SyntX: go back to the previous adapter" })
  cmd("SyntxRestart", function()
    M.restart()
  end, { desc = "SyntX: start the server again (after a crash, or to pick up a new binary)" })
  cmd("SyntxTrust", function(o)
    M.trust(o.args == "revoke")
  end, {
    nargs = "?",
    desc = "SyntX: trust this project's own rules and settings (.syntx/), or 'revoke'",
    complete = function()
      return { "revoke" }
    end,
  })
  cmd("SyntxDismiss", function(o)
    local a = vim.split(o.args or "", "%s+", { trimempty = true })
    if #a == 1 and valid_reason(a[1]) then
      return M.dismiss(nil, a[1])
    end
    M.dismiss(a[1], a[2])
  end, {
    nargs = "*",
    desc = "SyntX: dismiss a suggestion on this line: [id] [reason]",
    complete = function(lead)
      return vim.tbl_filter(function(r)
        return r:sub(1, #lead) == lead
      end, reasons)
    end,
  })
end

-- setup merges options, starts the server for matching buffers (now and on
-- FileType) and defines the commands.
function M.setup(opts)
  mark_explicit()
  if not has("nvim-0.7") then
    vim.notify("SyntX needs Neovim 0.7 or later", vim.log.levels.ERROR)
    return
  end
  local cfg = vim.tbl_deep_extend("force", deepcopy(M.defaults), opts or {})
  -- Lists replace, not merge.
  for _, k in ipairs({ "cmd", "filetypes", "root_markers", "personas" }) do
    if opts and opts[k] then
      cfg[k] = opts[k]
    end
  end
  if type(cfg.cmd) == "string" then
    cfg.cmd = { cfg.cmd, "serve" }
  end
  if cfg.threshold ~= nil and (type(cfg.threshold) ~= "number" or cfg.threshold < 0 or cfg.threshold > 1) then
    notify("threshold must be a number between 0 and 1; ignored", vim.log.levels.WARN)
    cfg.threshold = nil
  end
  M.state.config = cfg
  local group = vim.api.nvim_create_augroup("syntx", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = cfg.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
    desc = "SyntX: start the language server",
  })
  create_commands(cfg)
  -- Buffers already open when setup runs.
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(b) and vim.tbl_contains(cfg.filetypes, vim.bo[b].filetype) then
      M.attach(b)
    end
  end
end

return M
