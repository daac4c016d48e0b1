-- :checkhealth syntx
--
-- Neovim 0.7 reads health checks through require("health").report_*; 0.8 and
-- 0.9 have vim.health.report_*; 0.10+ vim.health.start/ok/warn/error/info.

local M = {}

local function reporter()
  local h = vim.health
  if h and h.start then
    return { start = h.start, ok = h.ok, warn = h.warn, error = h.error, info = h.info }
  end
  if h and h.report_start then
    return {
      start = h.report_start, ok = h.report_ok, warn = h.report_warn, error = h.report_error, info = h.report_info,
    }
  end
  local old = require("health")
  return {
    start = old.report_start, ok = old.report_ok, warn = old.report_warn,
    error = old.report_error, info = old.report_info,
  }
end

function M.check()
  local r = reporter()
  local syntx = require("syntx")
  local cfg = syntx.state.config

  r.start("syntx: Neovim")
  local v = vim.version()
  local version = string.format("%d.%d.%d", v.major, v.minor, v.patch)
  if vim.fn.has("nvim-0.7") == 1 then
    local how = vim.lsp.start and " (vim.lsp.start)" or " (vim.lsp.start_client + buf_attach_client)"
    r.ok("Neovim " .. version .. how)
  else
    r.error("Neovim " .. version .. " is too old", { "SyntX needs Neovim 0.7 or later" })
  end

  r.start("syntx: setup")
  if cfg then
    r.ok("require('syntx').setup() ran")
    r.info("filetypes: " .. table.concat(cfg.filetypes, ", "))
    r.info("initializationOptions: " .. vim.inspect(syntx.init_options(cfg), { newline = " ", indent = "" }))
  else
    r.warn("require('syntx').setup() has not run", { "Call require('syntx').setup({}) from your init.lua" })
    cfg = syntx.defaults
  end

  r.start("syntx: server binary")
  local exe = cfg.cmd[1]
  if vim.fn.executable(exe) == 1 then
    r.ok(exe .. " found: " .. vim.fn.exepath(exe))
    local out = vim.fn.systemlist({ exe, "version" })
    if vim.v.shell_error == 0 and out[1] then
      r.ok("`" .. exe .. " version`: " .. out[1])
    else
      r.warn("`" .. exe .. " version` failed: " .. table.concat(out, " "),
        { "Is it the SyntX binary? Rebuild with `make build`." })
    end
  else
    r.error(exe .. " is not executable or not on PATH", {
      "Build it with `make build` (bin/syntx) or `make install` (into $GOBIN)",
      "or set cmd = { '/path/to/syntx', 'serve' } in setup()",
    })
  end

  r.start("syntx: data directory")
  local env = syntx.cmd_env(cfg)
  local home = env.SYNTX_HOME or vim.env.SYNTX_HOME
  if not home or home == "" then
    local xdg = vim.env.XDG_DATA_HOME
    if not xdg or xdg == "" then
      xdg = vim.fn.expand("~/.local/share")
    end
    home = xdg .. "/syntx"
    r.info("SYNTX_HOME not set; the server uses " .. home)
  else
    r.info("SYNTX_HOME: " .. home)
  end
  if vim.fn.isdirectory(home) == 1 then
    if vim.fn.filewritable(home) == 2 then
      r.ok(home .. " exists and is writable")
    else
      r.error(home .. " is not writable", { "SyntX stores events, preferences and adapters there" })
    end
  else
    r.info(home .. " does not exist yet; the server creates it (mode 0700)")
  end

  r.start("syntx: clients")
  local clients = syntx.clients()
  if #clients == 0 then
    r.info("no SyntX server is running (open a " .. table.concat(cfg.filetypes, "/") .. " file)")
  end
  for _, c in ipairs(clients) do
    local caps = c.server_capabilities or c.resolved_capabilities or {}
    local cmds = caps.executeCommandProvider and caps.executeCommandProvider.commands or {}
    r.ok(string.format("client %d, root %s, %d buffer(s), commands: %s", c.id, tostring(c.config.root_dir),
      vim.tbl_count(c.attached_buffers or {}), table.concat(cmds, ", ")))
  end
  for id, e in pairs(syntx.state.exited) do
    if e.code ~= 0 then
      r.warn(string.format("client %d exited with code %s, signal %s", id, tostring(e.code), tostring(e.signal)),
        { "See :lua vim.cmd('edit ' .. vim.lsp.get_log_path())" })
    end
  end
end

return M
