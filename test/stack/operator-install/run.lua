-- Runs an Argo CD health script the way Argo CD does: the live object as the
-- global `obj`, only the base, string, table and math libraries (no io, no os),
-- and the script's returned table read as status and message.
--   lua5.4 run.lua <health.lua>    stdin: the object as a Lua table constructor
local source = io.read("a")
local obj = assert(load("return " .. source, "=obj", "t", {}))()

local sandbox = {
  obj = obj,
  ipairs = ipairs, pairs = pairs, next = next, type = type, error = error, pcall = pcall,
  tostring = tostring, tonumber = tonumber, select = select,
  string = string, table = table, math = math,
}
local file = assert(io.open(arg[1], "r"))
local script = file:read("a")
file:close()
local hs = assert(load(script, "=" .. arg[1], "t", sandbox))()
io.write(tostring(hs.status), "\n", tostring(hs.message))
