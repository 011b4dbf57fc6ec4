-- request: Conversations?$filter=Messages/any(m:contains(m/body,'refund'))&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (EXISTS (SELECT 1 FROM "Messages" AS t2 WHERE t2."tenantId" IN (?, ?) AND t2."conversationId" = t1."id" AND (instr(t2."body", ?) > 0))) ORDER BY c1 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "refund"
--   ?6 = int64(51)
--   ?7 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (EXISTS (SELECT 1 FROM "Messages" AS t2 WHERE t2."tenantId" IN (?, ?) AND t2."conversationId" = t1."id" AND (instr(t2."body", ?) > 0)))
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "refund"
