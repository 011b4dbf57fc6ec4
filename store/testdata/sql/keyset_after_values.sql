-- request: Conversations?$orderby=status desc,endedAtUTC&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after ["closed", int64(1788000000000), "contoso:demo:conv-000005"]
SELECT t1."id" AS c0, t1."status" AS c1, t1."endedAtUTC" AS c2 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (((t1."status" < ? OR t1."status" IS NULL)) OR (t1."status" = ? AND t1."endedAtUTC" > ?) OR (t1."status" = ? AND t1."endedAtUTC" = ? AND t1."id" > ?)) ORDER BY c1 DESC, c2, c0 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "closed"
--   ?4 = "closed"
--   ?5 = int64(1788000000000)
--   ?6 = "closed"
--   ?7 = int64(1788000000000)
--   ?8 = "contoso:demo:conv-000005"
--   ?9 = int64(51)
--   ?10 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
