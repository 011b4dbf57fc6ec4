-- request: Conversations?$filter=Queue/name eq 'Support'&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Conversations" AS t2 LEFT JOIN "Queues" AS t3 ON t3."id" = t2."queueId" AND t3."tenantId" IN (?, ?) WHERE t2."tenantId" IN (?, ?) AND (t3."name" = ?) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c1
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "contoso"
--   ?6 = "fabrikam"
--   ?7 = "Support"
--   ?8 = int64(51)
--   ?9 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 LEFT JOIN "Queues" AS t2 ON t2."id" = t1."queueId" AND t2."tenantId" IN (?, ?) WHERE t1."tenantId" IN (?, ?) AND (t2."name" = ?)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "Support"
