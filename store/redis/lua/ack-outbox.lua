-- ack-outbox: removes published events from the outboxes of one or more runs (one script call,
-- so one AOF fsync, for a whole batch).
--
-- KEYS[1]  pending outboxes   set   of run ids whose outbox is not empty
-- then, for the i-th run (i = 0, 1, ...), KEYS[2+2i] and KEYS[3+2i]:
--          outbox order       list  of event ids
--          outbox events      hash  event id -> event JSON
-- ARGV     for each run, in the order of its keys: run id, n, then n event ids that were
--          published (unknown ids are ignored: acks may repeat)
-- result:  number of events removed, over all runs

local removed = 0
local a = 1
for k = 2, #KEYS, 2 do
  local outbox, outboxEvents = KEYS[k], KEYS[k + 1]
  local runId = ARGV[a]
  local n = tonumber(ARGV[a + 1])
  for i = a + 2, a + 1 + n do
    if redis.call('HDEL', outboxEvents, ARGV[i]) == 1 then
      redis.call('LREM', outbox, 1, ARGV[i])
      removed = removed + 1
    end
  end
  if redis.call('LLEN', outbox) == 0 then
    redis.call('SREM', KEYS[1], runId)
  end
  a = a + 2 + n
end
return removed
