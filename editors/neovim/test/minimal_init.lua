-- A minimal init for trying the plugin and for the end-to-end test:
--
--   nvim --clean -u editors/neovim/test/minimal_init.lua testdata/demo/inventory.go
--
-- SYNTX_BIN (default "syntx") is the server binary; SYNTX_HOME, when set, is
-- passed as data_dir; SYNTX_INIT_OPTIONS is JSON merged into init_options.
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
vim.opt.runtimepath:prepend(vim.fn.fnamemodify(here, ":h"))
vim.opt.swapfile = false
vim.opt.shada = ""

_G.SYNTX_PROGRESS = {}

local init_options = {}
local raw = os.getenv("SYNTX_INIT_OPTIONS")
if raw and raw ~= "" then
  init_options = vim.fn.json_decode(raw)
end

require("syntx").setup({
  cmd = { os.getenv("SYNTX_BIN") or "syntx", "serve" },
  data_dir = os.getenv("SYNTX_HOME"),
  init_options = init_options,
  on_progress = function(token, value)
    table.insert(_G.SYNTX_PROGRESS, { token = token, value = value, t = vim.loop.hrtime() / 1e6 })
  end,
})
