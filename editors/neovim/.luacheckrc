-- luacheck for the plugin and its test scripts (make lint). Neovim runs
-- LuaJIT and provides the vim global.
std = "luajit"
globals = { "vim" }
