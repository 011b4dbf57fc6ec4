-- request: Conversations?$orderby=status desc,endedAtUTC&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after ["closed", int64(1788000000000), int64(5)]
SELECT t1."id" AS c0, t1."status" AS c1, t1."endedAtUTC" AS c2, t1."rid" AS c3 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (((t1."status" < ? OR t1."status" IS NULL)) OR (t1."status" = ? AND t1."endedAtUTC" > ?) OR (t1."status" = ? AND t1."endedAtUTC" = ? AND t1."rid" > ?)) ORDER BY c1 DESC, c2, c3 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "closed"
--   ?4 = "closed"
--   ?5 = int64(1788000000000)
--   ?6 = "closed"
--   ?7 = int64(1788000000000)
--   ?8 = int64(5)
--   ?9 = int64(51)
--   ?10 = int64(0)

-- count
SELECT coalesce(sum(n), 0) FROM ccfeed_counts WHERE tbl = ? AND tenant IN (?, ?)
--   ?1 = "Conversations"
--   ?2 = "contoso"
--   ?3 = "fabrikam"
