-- request: Conversations?$filter=Messages/any(m:m/agentId eq $it/agentId and m/Agent/name eq 'Zoë Kim')&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Conversations" AS t2 WHERE t2."tenantId" IN (?, ?) AND (EXISTS (SELECT 1 FROM "Messages" AS t3 LEFT JOIN "Agents" AS t4 ON t4."id" = t3."agentId" AND t4."tenantId" IN (?, ?) WHERE t3."tenantId" IN (?, ?) AND t3."conversationId" = t2."id" AND ((t3."agentId" IS t2."agentId") AND (t4."name" = ?)))) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c1
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "contoso"
--   ?6 = "fabrikam"
--   ?7 = "contoso"
--   ?8 = "fabrikam"
--   ?9 = "Zoë Kim"
--   ?10 = int64(51)
--   ?11 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (EXISTS (SELECT 1 FROM "Messages" AS t2 LEFT JOIN "Agents" AS t3 ON t3."id" = t2."agentId" AND t3."tenantId" IN (?, ?) WHERE t2."tenantId" IN (?, ?) AND t2."conversationId" = t1."id" AND ((t2."agentId" IS t1."agentId") AND (t3."name" = ?))))
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "contoso"
--   ?6 = "fabrikam"
--   ?7 = "Zoë Kim"
