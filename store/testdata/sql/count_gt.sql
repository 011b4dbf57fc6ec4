-- request: Conversations?$filter=Messages/$count gt 3&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Conversations" AS t2 WHERE t2."tenantId" IN (?, ?) AND ((SELECT COUNT(*) FROM "Messages" AS t3 WHERE t3."tenantId" IN (?, ?) AND t3."conversationId" = t2."id") > ?) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c1
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "contoso"
--   ?6 = "fabrikam"
--   ?7 = int64(3)
--   ?8 = int64(51)
--   ?9 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ((SELECT COUNT(*) FROM "Messages" AS t2 WHERE t2."tenantId" IN (?, ?) AND t2."conversationId" = t1."id") > ?)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = int64(3)
