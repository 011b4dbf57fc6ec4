-- request: Conversations?$orderby=status desc,endedAtUTC&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after ["closed", int64(1788000000000), "contoso", "contoso:demo:conv-000005"]
SELECT t1."id" AS c0, t1."status" AS c1, t1."endedAtUTC" AS c2, t1."tenantId" AS c3 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (((t1."status" < ? OR t1."status" IS NULL)) OR (t1."status" = ? AND t1."endedAtUTC" > ?) OR (t1."status" = ? AND t1."endedAtUTC" = ? AND t1."tenantId" > ?) OR (t1."status" = ? AND t1."endedAtUTC" = ? AND t1."tenantId" = ? AND t1."id" > ?)) ORDER BY c1 DESC, c2, c3, c0 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "closed"
--   ?4 = "closed"
--   ?5 = int64(1788000000000)
--   ?6 = "closed"
--   ?7 = int64(1788000000000)
--   ?8 = "contoso"
--   ?9 = "closed"
--   ?10 = int64(1788000000000)
--   ?11 = "contoso"
--   ?12 = "contoso:demo:conv-000005"
--   ?13 = int64(51)
--   ?14 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
