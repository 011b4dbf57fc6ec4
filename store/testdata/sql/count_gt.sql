-- request: Conversations?$filter=Messages/$count gt 3&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ((SELECT COUNT(*) FROM "Messages" AS t2 WHERE t2."tenantId" IN (?, ?) AND t2."conversationId" = t1."id") > ?) ORDER BY c1 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = int64(3)
--   ?6 = int64(51)
--   ?7 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ((SELECT COUNT(*) FROM "Messages" AS t2 WHERE t2."tenantId" IN (?, ?) AND t2."conversationId" = t1."id") > ?)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = int64(3)
