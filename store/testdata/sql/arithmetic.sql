-- request: Conversations?$filter=durationInSeconds add holdDurationInSeconds gt 600 and holdCount mod 2 eq 1 and holdCount div 2 ge 1&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Conversations" AS t2 WHERE t2."tenantId" IN (?, ?) AND ((((t2."durationInSeconds" + t2."holdDurationInSeconds") > ?) AND ((t2."holdCount" % ?) = ?)) AND ((t2."holdCount" / ?) >= ?)) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c1
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = int64(600)
--   ?6 = int64(2)
--   ?7 = int64(1)
--   ?8 = int64(2)
--   ?9 = int64(1)
--   ?10 = int64(51)
--   ?11 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ((((t1."durationInSeconds" + t1."holdDurationInSeconds") > ?) AND ((t1."holdCount" % ?) = ?)) AND ((t1."holdCount" / ?) >= ?))
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = int64(600)
--   ?4 = int64(2)
--   ?5 = int64(1)
--   ?6 = int64(2)
--   ?7 = int64(1)
