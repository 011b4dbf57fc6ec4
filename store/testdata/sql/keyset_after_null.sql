-- request: Conversations?$orderby=status desc,endedAtUTC&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after [NULL, NULL, int64(98)]
SELECT t1."id" AS c0, t1."status" AS c1, t1."endedAtUTC" AS c2, t1."rid" AS c3 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ((t1."status" IS NULL AND t1."endedAtUTC" IS NOT NULL) OR (t1."status" IS NULL AND t1."endedAtUTC" IS NULL AND t1."rid" > ?)) ORDER BY c1 DESC, c2, c3 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = int64(98)
--   ?4 = int64(51)
--   ?5 = int64(0)

-- count
SELECT coalesce(sum(n), 0) FROM ccfeed_counts WHERE tbl = ? AND tenant IN (?, ?)
--   ?1 = "Conversations"
--   ?2 = "contoso"
--   ?3 = "fabrikam"
