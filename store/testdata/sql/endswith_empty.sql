-- request: Conversations?$filter=endswith(customerLastName,'')&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Conversations" AS t2 WHERE t2."tenantId" IN (?, ?) AND (CASE WHEN t2."customerLastName" IS NULL THEN NULL WHEN length(?) = 0 THEN 1 ELSE substr(t2."customerLastName", -length(?)) = ? END) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c1
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = ""
--   ?6 = ""
--   ?7 = ""
--   ?8 = int64(51)
--   ?9 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (CASE WHEN t1."customerLastName" IS NULL THEN NULL WHEN length(?) = 0 THEN 1 ELSE substr(t1."customerLastName", -length(?)) = ? END)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = ""
--   ?4 = ""
--   ?5 = ""
