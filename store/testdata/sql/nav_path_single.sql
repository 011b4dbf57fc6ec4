-- request: Messages('contoso:demo:conv-000002-m001')/Conversation?$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."id" IN (SELECT t2."conversationId" FROM "Messages" AS t2 WHERE t2."tenantId" IN (?, ?) AND t2."id" = ?) ORDER BY c1 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "contoso:demo:conv-000002-m001"
--   ?6 = int64(51)
--   ?7 = int64(0)
