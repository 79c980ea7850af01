-- commit: the one atomic state change of a handled event (fence + snapshot + offset + outbox).
--
-- KEYS[1]  run hash           {snapshot, revision, commitId}
-- KEYS[2]  applied offsets    hash  "topic:partition" -> last applied offset (canonical decimal)
-- KEYS[3]  outbox order       list  of event ids, oldest first
-- KEYS[4]  outbox events      hash  event id -> event JSON
-- KEYS[5]  run ids            set
-- KEYS[6]  pending outboxes   set   of run ids whose outbox is not empty
-- ARGV[1]  run id
-- ARGV[2]  commit id: unique per commit call, so a resent command (ioredis resends unanswered
--          commands after a reconnect) answers its first outcome instead of applying twice
-- ARGV[3]  snapshot JSON
-- ARGV[4]  offset field "topic:partition", or "" for a change with no log position
-- ARGV[5]  source offset, canonical decimal (no sign, no leading zeros)
-- ARGV[6..] pairs: event id, event JSON (appended to the outbox; an id already there is skipped)
-- result:  {"committed", revision} | {"stale", applied offset}
--
-- Every check comes before the first write: a refused commit changes nothing.

-- Kafka offsets are 64-bit; Lua numbers are doubles. Compare canonical decimals as strings.
local function above(candidate, applied)
  if #candidate ~= #applied then return #candidate > #applied end
  return candidate > applied
end

if redis.call('HGET', KEYS[1], 'commitId') == ARGV[2] then
  return {'committed', tonumber(redis.call('HGET', KEYS[1], 'revision'))}
end

if ARGV[4] ~= '' then
  local applied = redis.call('HGET', KEYS[2], ARGV[4])
  if applied and not above(ARGV[5], applied) then
    return {'stale', applied}
  end
end

if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[4], ARGV[5])
end
local revision = redis.call('HINCRBY', KEYS[1], 'revision', 1)
redis.call('HSET', KEYS[1], 'snapshot', ARGV[3], 'commitId', ARGV[2])
redis.call('SADD', KEYS[5], ARGV[1])
for i = 6, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[4], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('RPUSH', KEYS[3], ARGV[i])
  end
end
if redis.call('LLEN', KEYS[3]) > 0 then
  redis.call('SADD', KEYS[6], ARGV[1])
end
return {'committed', revision}
