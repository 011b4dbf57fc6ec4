-- request: Conversations?$filter=Queue/name eq 'Support'&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 LEFT JOIN "Queues" AS t2 ON t2."id" = t1."queueId" AND t2."tenantId" IN (?, ?) WHERE t1."tenantId" IN (?, ?) AND (t2."name" = ?) ORDER BY c1 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "Support"
--   ?6 = int64(51)
--   ?7 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 LEFT JOIN "Queues" AS t2 ON t2."id" = t1."queueId" AND t2."tenantId" IN (?, ?) WHERE t1."tenantId" IN (?, ?) AND (t2."name" = ?)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "Support"
