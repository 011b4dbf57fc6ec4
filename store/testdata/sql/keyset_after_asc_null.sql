-- request: Conversations?$orderby=csat,agentId desc&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after [NULL, "contoso:demo:agent-01", int64(5)]
SELECT t1."id" AS c0, t1."csat" AS c1, t1."agentId" AS c2, t1."rid" AS c3 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ((t1."csat" IS NOT NULL) OR (t1."csat" IS NULL AND (t1."agentId" < ? OR t1."agentId" IS NULL)) OR (t1."csat" IS NULL AND t1."agentId" = ? AND t1."rid" > ?)) ORDER BY c1, c2 DESC, c3 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso:demo:agent-01"
--   ?4 = "contoso:demo:agent-01"
--   ?5 = int64(5)
--   ?6 = int64(51)
--   ?7 = int64(0)

-- count
SELECT coalesce(sum(n), 0) FROM ccfeed_counts WHERE tbl = ? AND tenant IN (?, ?)
--   ?1 = "Conversations"
--   ?2 = "contoso"
--   ?3 = "fabrikam"
