-- request: Conversations?$orderby=status desc,startedAtUTC&$select=id,status,startedAt
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."status" AS c1, t1."startedAt" AS c2, t1."status" AS c3, t1."startedAtUTC" AS c4, t1."rid" AS c5 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) ORDER BY c3 DESC, c4, c5 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = int64(51)
--   ?4 = int64(0)

-- count
SELECT coalesce(sum(n), 0) FROM ccfeed_counts WHERE tbl = ? AND tenant IN (?, ?)
--   ?1 = "Conversations"
--   ?2 = "contoso"
--   ?3 = "fabrikam"
