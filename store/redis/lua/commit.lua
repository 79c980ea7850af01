-- commit: the atomic state change of one or more runs, each fenced on its own (fence + snapshot
-- + offsets + outbox): one handled event, or all of each run's events in a handled batch. One
-- script call for a whole batch is one AOF write and one fsync (a pipeline of per-run calls
-- would be read in 16 KB slices and fsync'd per slice).
--
-- KEYS[1]  run ids            set
-- KEYS[2]  pending outboxes   set   of run ids whose outbox is not empty
-- then, for the i-th run (i = 0, 1, ...), KEYS[3+4i] .. KEYS[6+4i]:
--          run hash           {snapshot, revision, commitId}
--          applied offsets    hash  "topic:partition" -> last applied offset (canonical decimal)
--          outbox order       list  of event ids, oldest first
--          outbox events      hash  event id -> event JSON
-- ARGV     for each run, in the order of its keys:
--          run id
--          commit id: unique per commit, so a resent command (ioredis resends unanswered
--            commands after a reconnect) answers the run's first outcome instead of applying twice
--          snapshot JSON
--          n, then n pairs: offset field "topic:partition", source offset (canonical decimal: no
--            sign, no leading zeros), the last position applied on that topic-partition
--          m, then m pairs: event id, event JSON (appended to the outbox; an id already there is skipped)
-- result:  one {"committed", revision} | {"stale", applied offset of the first position not above it} per run
--
-- For each run, every check comes before its first write: a refused run changes nothing.

-- Kafka offsets are 64-bit; Lua numbers are doubles. Compare canonical decimals as strings.
local function above(candidate, applied)
  if #candidate ~= #applied then return #candidate > #applied end
  return candidate > applied
end

local function commitRun(k, a)
  local runHash, offsets, outbox, outboxEvents = KEYS[k], KEYS[k + 1], KEYS[k + 2], KEYS[k + 3]
  local runId, commitId, snapshot = ARGV[a], ARGV[a + 1], ARGV[a + 2]
  local positions = tonumber(ARGV[a + 3])
  local firstPosition = a + 4
  local eventCountAt = firstPosition + 2 * positions
  local events = tonumber(ARGV[eventCountAt])
  local firstEvent = eventCountAt + 1
  local nextRun = firstEvent + 2 * events

  if redis.call('HGET', runHash, 'commitId') == commitId then
    return {'committed', tonumber(redis.call('HGET', runHash, 'revision'))}, nextRun
  end
  for i = firstPosition, eventCountAt - 1, 2 do
    local applied = redis.call('HGET', offsets, ARGV[i])
    if applied and not above(ARGV[i + 1], applied) then
      return {'stale', applied}, nextRun
    end
  end

  for i = firstPosition, eventCountAt - 1, 2 do
    redis.call('HSET', offsets, ARGV[i], ARGV[i + 1])
  end
  local revision = redis.call('HINCRBY', runHash, 'revision', 1)
  redis.call('HSET', runHash, 'snapshot', snapshot, 'commitId', commitId)
  redis.call('SADD', KEYS[1], runId)
  for i = firstEvent, nextRun - 1, 2 do
    if redis.call('HSETNX', outboxEvents, ARGV[i], ARGV[i + 1]) == 1 then
      redis.call('RPUSH', outbox, ARGV[i])
    end
  end
  if redis.call('LLEN', outbox) > 0 then
    redis.call('SADD', KEYS[2], runId)
  end
  return {'committed', revision}, nextRun
end

local results = {}
local a = 1
for k = 3, #KEYS, 4 do
  local result
  result, a = commitRun(k, a)
  results[#results + 1] = result
end
return results
