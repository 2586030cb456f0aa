-- Argo CD health of a docpipe.dev DocumentPipeline. Argo CD runs this with the
-- live object as the global `obj` and reads hs.status and hs.message.
-- Healthy only when the operator has observed the current generation and
-- reports Ready; a Degraded condition wins over everything the operator has
-- observed. Written for Lua 5.1 (Argo CD's gopher-lua) and runs on 5.4.
local hs = {}

local function condition(conditions, type)
  for _, c in ipairs(conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local generation = obj.metadata.generation or 0
local status = obj.status
if status == nil or status.observedGeneration == nil or status.observedGeneration ~= generation then
  hs.status = "Progressing"
  hs.message = string.format("waiting for the operator to observe generation %d", generation)
  return hs
end

local conditions = status.conditions or {}
local degraded = condition(conditions, "Degraded")
if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = degraded.message or ""
  return hs
end

local ready = condition(conditions, "Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or ""
  return hs
end

hs.status = "Progressing"
if ready ~= nil and ready.message ~= nil and ready.message ~= "" then
  hs.message = ready.message
else
  hs.message = "waiting for the Ready condition"
end
return hs
