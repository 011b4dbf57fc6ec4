-- request: Conversations?$filter=year(startedAt) eq 2026 and hour(startedAt) lt 9&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Conversations" AS t2 WHERE t2."tenantId" IN (?, ?) AND ((CAST(substr(t2."startedAt", 1, 4) AS INTEGER) = ?) AND (CAST(substr(t2."startedAt", 12, 2) AS INTEGER) < ?)) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c1
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = int64(2026)
--   ?6 = int64(9)
--   ?7 = int64(51)
--   ?8 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ((CAST(substr(t1."startedAt", 1, 4) AS INTEGER) = ?) AND (CAST(substr(t1."startedAt", 12, 2) AS INTEGER) < ?))
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = int64(2026)
--   ?4 = int64(9)
