-- request: Conversations('contoso:demo:conv-000001')?$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."id" = ? ORDER BY c1 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso:demo:conv-000001"
--   ?4 = int64(51)
--   ?5 = int64(0)
