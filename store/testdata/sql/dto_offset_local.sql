-- request: Conversations?$filter=startedAt lt 2026-09-01T10:00:00-04:00&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Conversations" AS t2 WHERE t2."tenantId" IN (?, ?) AND (t2."startedAtUTC" < ?) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c1
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = int64(1788271200000)
--   ?6 = int64(51)
--   ?7 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (t1."startedAtUTC" < ?)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = int64(1788271200000)
