-- request: Conversations?$filter=startedAtUTC eq 2026-09-01&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (strftime('%Y-%m-%d', (t1."startedAtUTC") / 1000.0, 'unixepoch') = ?) ORDER BY c1 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "2026-09-01"
--   ?4 = int64(51)
--   ?5 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (strftime('%Y-%m-%d', (t1."startedAtUTC") / 1000.0, 'unixepoch') = ?)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "2026-09-01"
