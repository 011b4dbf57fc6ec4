-- request: Conversations('contoso:demo:conv-000002')/Messages?$filter=senderType eq 'agent'&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Messages" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Messages" AS t2 WHERE t2."tenantId" IN (?, ?) AND t2."conversationId" IN (SELECT t3."id" FROM "Conversations" AS t3 WHERE t3."tenantId" IN (?, ?) AND t3."id" = ?) AND (t2."senderType" = ?) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c1
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "contoso"
--   ?6 = "fabrikam"
--   ?7 = "contoso:demo:conv-000002"
--   ?8 = "agent"
--   ?9 = int64(51)
--   ?10 = int64(0)

-- count
SELECT COUNT(*) FROM "Messages" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."conversationId" IN (SELECT t2."id" FROM "Conversations" AS t2 WHERE t2."tenantId" IN (?, ?) AND t2."id" = ?) AND (t1."senderType" = ?)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "contoso:demo:conv-000002"
--   ?6 = "agent"
