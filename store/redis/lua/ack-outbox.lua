-- ack-outbox: removes published events from a run's outbox.
--
-- KEYS[1]  outbox order       list  of event ids
-- KEYS[2]  outbox events      hash  event id -> event JSON
-- KEYS[3]  pending outboxes   set   of run ids whose outbox is not empty
-- ARGV[1]  run id
-- ARGV[2..] event ids that were published (unknown ids are ignored: acks may repeat)
-- result:  number of events removed

local removed = 0
for i = 2, #ARGV do
  if redis.call('HDEL', KEYS[2], ARGV[i]) == 1 then
    redis.call('LREM', KEYS[1], 1, ARGV[i])
    removed = removed + 1
  end
end
if redis.call('LLEN', KEYS[1]) == 0 then
  redis.call('SREM', KEYS[3], ARGV[1])
end
return removed
