// The Lua scripts the workers and the coordinator run on Redis. A script runs atomically on the
// node that holds its keys, and all of a script's keys share one hash tag (keys.ts), so each is
// one slot's business even in a Redis Cluster.
//
// Why the counts stay exact although a chunk may be expanded more than once (a worker presumed
// dead whose chunk another worker claimed, and which then finishes after all):
//  - a state is counted when SADD says its fingerprint is new, in the same script that inserts
//    it: a second expansion of the chunk offers the same successors and SADD says "not new";
//  - a state's parent key is the smallest edge key that reaches it (ZADD LT): a minimum is the
//    same whatever the order and number of offers;
//  - a chunk's transitions and candidates are added by the script that first sets its done
//    marker (HSETNX): a second finish of the same chunk finds the marker and adds nothing;
//  - a finish for a level other than the one being expanded is ignored (a straggler's).
// The candidates (each property's earliest violation) are a minimum too, so merging them twice
// changes nothing.

/** Shared by the scripts that merge candidates: is candidate a (a table of 5 numbers) before b? */
const BEFORE = `
local function before(a, b)
  for i = 1, 5 do
    if a[i] ~= b[i] then return a[i] < b[i] end
  end
  return false
end
local function parse(s)
  local t = {}
  for x in string.gmatch(s, '[^,]+') do t[#t + 1] = tonumber(x) end
  return t
end
-- Coverage (src/engine/coverage.ts's counts) of a chunk, as JSON: fired counts add up, reached
-- tags and exercised properties are flags.
local function cover(key, json)
  if json == '' then return end
  local c = cjson.decode(json)
  for i, n in ipairs(c.fired) do
    if n > 0 then redis.call('HINCRBY', key, 'f' .. (i - 1), n) end
  end
  for _, t in ipairs(c.reached) do redis.call('HSET', key, 'r' .. t, '1') end
  for i, e in ipairs(c.exercised) do
    if e then redis.call('HSET', key, 'e' .. (i - 1), '1') end
  end
end
local function merge(best, from)
  for i = from, #ARGV, 6 do
    local c = {tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5])}
    local cur = redis.call('HGET', best, ARGV[i])
    if not cur or before(c, parse(cur)) then
      redis.call('HSET', best, ARGV[i], ARGV[i + 1] .. ',' .. ARGV[i + 2] .. ',' .. ARGV[i + 3] .. ',' .. ARGV[i + 4] .. ',' .. ARGV[i + 5])
    end
  end
end
`;

/**
 * Test-and-insert a batch of one shard's successors, all of depth L.
 * KEYS: seen, level L sorted set, level L states hash, count, mark. ARGV: fingerprint, edge key, packed state, ...
 * Returns one flag per successor: 1 new, 2 already a state of depth L (its key lowered if this
 * edge's is smaller), 0 seen at a smaller depth; an error (KMCLOST) when the shard's mark is gone:
 * its node lost the shard's past (integrity.ts), and inserting would count old states as new.
 */
export const INSERT = `
if redis.call('EXISTS', KEYS[5]) == 0 then return redis.error_reply('KMCLOST this shard of the visited set is gone from Redis') end
local out = {}
local added = 0
for i = 1, #ARGV, 3 do
  local fp = ARGV[i]
  if redis.call('SADD', KEYS[1], fp) == 1 then
    redis.call('ZADD', KEYS[2], ARGV[i + 1], fp)
    redis.call('HSET', KEYS[3], fp, ARGV[i + 2])
    added = added + 1
    out[#out + 1] = 1
  elseif redis.call('ZSCORE', KEYS[2], fp) then
    redis.call('ZADD', KEYS[2], 'LT', ARGV[i + 1], fp)
    out[#out + 1] = 2
  else
    out[#out + 1] = 0
  end
end
if added > 0 then redis.call('INCRBY', KEYS[4], added) end
return out
`;

/**
 * A chunk is expanded: add its transitions and candidates once.
 * KEYS: phase, done(L), stats, best, coverage. ARGV: L, chunk id, transitions, depth cut (0/1), worker,
 * coverage counts (JSON, or empty), then candidates as (property, length, level, rank, choice, order) groups.
 * Returns 1 counted, 0 already counted, -1 not the level being expanded.
 */
export const FINISH = `${BEFORE}
if redis.call('HGET', KEYS[1], 'level') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'stage') ~= 'expand' then return -1 end
if redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[5]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[3], 'transitions', ARGV[3])
if ARGV[4] == '1' then redis.call('HSET', KEYS[3], 'depthCut', '1') end
cover(KEYS[5], ARGV[6])
merge(KEYS[4], 7)
return 1
`;

/** The initial state's candidates and coverage. KEYS: best, coverage. ARGV: coverage (JSON), then (property, length, level, rank, choice, order) groups. */
export const MERGE = `${BEFORE}
cover(KEYS[2], ARGV[1])
merge(KEYS[1], 2)
return 1
`;

/** A worker's heartbeat, only while the run exists (a late one must not recreate a deleted run's key). KEYS: phase, workers. ARGV: name, beat. */
export const BEAT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
`;

export const SCRIPTS = { kmcInsert: { keys: 5, lua: INSERT }, kmcFinish: { keys: 5, lua: FINISH }, kmcMerge: { keys: 2, lua: MERGE }, kmcBeat: { keys: 2, lua: BEAT } } as const;
export type ScriptName = keyof typeof SCRIPTS;
