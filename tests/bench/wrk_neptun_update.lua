-- The neptun contract under wrk: PATCH /api/users/<id> with a new email,
-- authorized by the user's `neptun-session` cookie. Every 200 rotates the
-- session (CONTRACTS.md), so each session is used once and its successor,
-- taken from the response's Set-Cookie, goes back to the thread's pool.
--
-- BENCH_SESSIONS names a file of "<user id> <token>" lines; wrk thread t of
-- n (BENCH_WRK_THREADS, wrk's -t) takes the lines i with i % n == t. Pipelining is off (one request per
-- connection at a time), so each response returns its session before the
-- connection asks for its next request.
dofile(os.getenv("BENCH_LUA_DIR") .. "/wrk_report.lua")

local thread_count = 0

function setup(thread)
  thread:set("index", thread_count)
  thread_count = thread_count + 1
end

local count = tonumber(os.getenv("BENCH_WRK_THREADS"))

local pool = {}    -- sessions not in flight: {id = <string>, token = <string>}
local counter = 0
local loaded = false
local last_session

local function load()
  local i = 0
  for line in io.lines(os.getenv("BENCH_SESSIONS")) do
    local id, token = line:match("^(%d+) (%S+)$")
    if id and i % count == index then
      table.insert(pool, {id = id, token = token})
    end
    i = i + 1
  end
  loaded = true
end

function request()
  if not loaded then load() end
  -- An empty pool means sessions were lost to failed requests: reuse the
  -- last one popped (the request will likely fail and be counted).
  local session = table.remove(pool, 1) or last_session
  last_session = session
  counter = counter + 1
  local body = string.format('{"email": "n%s-%d-%d@bench.example"}',
                             session.id, index, counter)
  return wrk.format("PATCH", "/api/users/" .. session.id, {
    ["Cookie"] = "neptun-session=" .. session.token,
    ["Content-Type"] = "application/json",
  }, body)
end

function response(status, headers, body)
  if status ~= 200 then return end
  local cookie = headers["Set-Cookie"] or headers["set-cookie"]
  local token = cookie and cookie:match("^neptun%-session=([^;]+)")
  local id = body:match('"id":%s*(%d+)')
  if token and id then table.insert(pool, {id = id, token = token}) end
end
