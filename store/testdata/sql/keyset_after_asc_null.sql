-- request: Conversations?$orderby=csat,agentId desc&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after [NULL, "contoso:demo:agent-01", "contoso", "contoso:demo:conv-000005"]
SELECT t1."id" AS c0, t1."csat" AS c1, t1."agentId" AS c2, t1."tenantId" AS c3 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ((t1."csat" IS NOT NULL) OR (t1."csat" IS NULL AND (t1."agentId" < ? OR t1."agentId" IS NULL)) OR (t1."csat" IS NULL AND t1."agentId" = ? AND t1."tenantId" > ?) OR (t1."csat" IS NULL AND t1."agentId" = ? AND t1."tenantId" = ? AND t1."id" > ?)) ORDER BY c1, c2 DESC, c3, c0 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso:demo:agent-01"
--   ?4 = "contoso:demo:agent-01"
--   ?5 = "contoso"
--   ?6 = "contoso:demo:agent-01"
--   ?7 = "contoso"
--   ?8 = "contoso:demo:conv-000005"
--   ?9 = int64(51)
--   ?10 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
