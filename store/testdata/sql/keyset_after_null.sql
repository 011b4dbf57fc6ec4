-- request: Conversations?$orderby=status desc,endedAtUTC&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after [NULL, NULL, "contoso:demo:conv-000098"]
SELECT t1."id" AS c0, t1."status" AS c1, t1."endedAtUTC" AS c2 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ((t1."status" IS NULL AND t1."endedAtUTC" IS NOT NULL) OR (t1."status" IS NULL AND t1."endedAtUTC" IS NULL AND t1."id" > ?)) ORDER BY c1 DESC, c2, c0 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso:demo:conv-000098"
--   ?4 = int64(51)
--   ?5 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
