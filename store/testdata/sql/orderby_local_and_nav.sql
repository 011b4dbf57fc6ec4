-- request: Conversations?$orderby=startedAt desc,Queue/name&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."startedAtUTC" AS c1, t2."name" AS c2, t1."rid" AS c3 FROM "Conversations" AS t1 LEFT JOIN "Queues" AS t2 ON t2."id" = t1."queueId" AND t2."tenantId" IN (?, ?) WHERE t1."tenantId" IN (?, ?) ORDER BY c1 DESC, c2, c3 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = int64(51)
--   ?6 = int64(0)

-- count
SELECT coalesce(sum(n), 0) FROM ccfeed_counts WHERE tbl = ? AND tenant IN (?, ?)
--   ?1 = "Conversations"
--   ?2 = "contoso"
--   ?3 = "fabrikam"
