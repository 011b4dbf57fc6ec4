-- request: Calls('contoso:demo:conv-000001')/Queue?$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Queues" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."id" IN (SELECT t2."queueId" FROM "Conversations" AS t2 WHERE t2."tenantId" IN (?, ?) AND t2."mediaType" IN (?) AND t2."id" = ?) ORDER BY c1 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "voice"
--   ?6 = "contoso:demo:conv-000001"
--   ?7 = int64(51)
--   ?8 = int64(0)
