-- The v1 contract under wrk: PATCH /v1/users/usr_<id> of a random user in
-- [BENCH_FIRST_ID, BENCH_LAST_ID] with a new first_name, authorized by the
-- API key in BENCH_TOKEN.
dofile(os.getenv("BENCH_LUA_DIR") .. "/wrk_report.lua")

local first_id = tonumber(os.getenv("BENCH_FIRST_ID"))
local last_id = tonumber(os.getenv("BENCH_LAST_ID"))
local headers = {
  ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
  ["Content-Type"] = "application/json",
}
local counter = 0

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  counter = counter + 1
  local path = "/v1/users/usr_" .. math.random(first_id, last_id)
  local body = string.format('{"first_name": "Bench %d"}', counter)
  return wrk.format("PATCH", path, headers, body)
end
