-- request: Conversations?$filter=durationInSeconds add holdDurationInSeconds gt 600 and holdCount mod 2 eq 1 and holdCount div 2 ge 1&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ((((t1."durationInSeconds" + t1."holdDurationInSeconds") > ?) AND ((t1."holdCount" % ?) = ?)) AND ((t1."holdCount" / ?) >= ?)) ORDER BY c1 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = int64(600)
--   ?4 = int64(2)
--   ?5 = int64(1)
--   ?6 = int64(2)
--   ?7 = int64(1)
--   ?8 = int64(51)
--   ?9 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ((((t1."durationInSeconds" + t1."holdDurationInSeconds") > ?) AND ((t1."holdCount" % ?) = ?)) AND ((t1."holdCount" / ?) >= ?))
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = int64(600)
--   ?4 = int64(2)
--   ?5 = int64(1)
--   ?6 = int64(2)
--   ?7 = int64(1)
