-- request: Conversations?$filter=status ne 'closed'&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (t1."status" IS NOT ?) ORDER BY c1 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "closed"
--   ?4 = int64(51)
--   ?5 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (t1."status" IS NOT ?)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "closed"
