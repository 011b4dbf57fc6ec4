-- request: Conversations?$orderby=status desc,endedAtUTC&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after [NULL, NULL, "contoso", "contoso:demo:conv-000098"]
SELECT t1."id" AS c0, t1."status" AS c1, t1."endedAtUTC" AS c2, t1."tenantId" AS c3 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ((t1."status" IS NULL AND t1."endedAtUTC" IS NOT NULL) OR (t1."status" IS NULL AND t1."endedAtUTC" IS NULL AND t1."tenantId" > ?) OR (t1."status" IS NULL AND t1."endedAtUTC" IS NULL AND t1."tenantId" = ? AND t1."id" > ?)) ORDER BY c1 DESC, c2, c3, c0 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "contoso"
--   ?5 = "contoso:demo:conv-000098"
--   ?6 = int64(51)
--   ?7 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
