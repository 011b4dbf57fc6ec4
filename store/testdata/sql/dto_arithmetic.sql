-- request: Conversations?$filter=endedAtUTC sub startedAtUTC gt duration'PT10M' and startedAtUTC add duration'PT1H' lt now()&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ((((t1."endedAtUTC" - t1."startedAtUTC") / 1000.0) > ?) AND ((t1."startedAtUTC" + CAST(ROUND((?) * 1000) AS INTEGER)) < ?)) ORDER BY c1 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = float64(600)
--   ?4 = float64(3600)
--   ?5 = int64(1792065600000)
--   ?6 = int64(51)
--   ?7 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ((((t1."endedAtUTC" - t1."startedAtUTC") / 1000.0) > ?) AND ((t1."startedAtUTC" + CAST(ROUND((?) * 1000) AS INTEGER)) < ?))
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = float64(600)
--   ?4 = float64(3600)
--   ?5 = int64(1792065600000)
