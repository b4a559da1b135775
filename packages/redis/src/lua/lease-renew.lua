-- presence-webhooks: extend a lease, only while it is still held with this token (compare-and-set).
-- KEYS[1] holder key   ARGV[1] token   ARGV[2] ttl (ms). Returns 1 when renewed, 0 when the lease is not this token's.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
