-- load: reads a run's whole record in one atomic step (never half of a commit).
--
-- KEYS[1]  run hash           {snapshot, revision, commitId}
-- KEYS[2]  applied offsets    hash
-- KEYS[3]  outbox order       list
-- KEYS[4]  outbox events      hash
-- ARGV     none
-- result:  {} when the run does not exist, else
--          {snapshot JSON, revision, {field, offset, ...}, {event JSON, ...} in outbox order}

if redis.call('EXISTS', KEYS[1]) == 0 then
  return {}
end
local run = redis.call('HMGET', KEYS[1], 'snapshot', 'revision')
local offsets = redis.call('HGETALL', KEYS[2])
local ids = redis.call('LRANGE', KEYS[3], 0, -1)
local events = {}
-- unpack() is limited by the Lua stack: fetch a long outbox in slices.
local slice = 1000
for first = 1, #ids, slice do
  local last = math.min(first + slice - 1, #ids)
  local part = redis.call('HMGET', KEYS[4], unpack(ids, first, last))
  for _, e in ipairs(part) do
    events[#events + 1] = e
  end
end
return {run[1], run[2], offsets, events}
