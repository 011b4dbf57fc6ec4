-- request: Agents?$filter=Conversations/any(c:c/Messages/any(m:startswith(m/body,'Bonjour')))&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Agents" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Agents" AS t2 WHERE t2."tenantId" IN (?, ?) AND (EXISTS (SELECT 1 FROM "Conversations" AS t3 WHERE t3."tenantId" IN (?, ?) AND t3."agentId" = t2."id" AND (EXISTS (SELECT 1 FROM "Messages" AS t4 WHERE t4."tenantId" IN (?, ?) AND t4."conversationId" = t3."id" AND (substr(t4."body", 1, length(?)) = ?))))) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c1
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "contoso"
--   ?6 = "fabrikam"
--   ?7 = "contoso"
--   ?8 = "fabrikam"
--   ?9 = "Bonjour"
--   ?10 = "Bonjour"
--   ?11 = int64(51)
--   ?12 = int64(0)

-- count
SELECT COUNT(*) FROM "Agents" AS t1 WHERE t1."tenantId" IN (?, ?) AND (EXISTS (SELECT 1 FROM "Conversations" AS t2 WHERE t2."tenantId" IN (?, ?) AND t2."agentId" = t1."id" AND (EXISTS (SELECT 1 FROM "Messages" AS t3 WHERE t3."tenantId" IN (?, ?) AND t3."conversationId" = t2."id" AND (substr(t3."body", 1, length(?)) = ?)))))
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "contoso"
--   ?6 = "fabrikam"
--   ?7 = "Bonjour"
--   ?8 = "Bonjour"
