-- request: Conversations?$filter=endedAtUTC sub startedAtUTC gt duration'PT10M' and startedAtUTC add duration'PT1H' lt now()&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Conversations" AS t2 WHERE t2."tenantId" IN (?, ?) AND ((((t2."endedAtUTC" - t2."startedAtUTC") / 1000.0) > ?) AND ((t2."startedAtUTC" + CAST(ROUND((?) * 1000) AS INTEGER)) < ?)) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c1
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = float64(600)
--   ?6 = float64(3600)
--   ?7 = int64(1792065600000)
--   ?8 = int64(51)
--   ?9 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ((((t1."endedAtUTC" - t1."startedAtUTC") / 1000.0) > ?) AND ((t1."startedAtUTC" + CAST(ROUND((?) * 1000) AS INTEGER)) < ?))
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = float64(600)
--   ?4 = float64(3600)
--   ?5 = int64(1792065600000)
