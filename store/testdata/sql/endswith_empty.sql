-- request: Conversations?$filter=endswith(customerLastName,'')&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (CASE WHEN t1."customerLastName" IS NULL THEN NULL WHEN length(?) = 0 THEN 1 ELSE substr(t1."customerLastName", -length(?)) = ? END) ORDER BY c1 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = ""
--   ?4 = ""
--   ?5 = ""
--   ?6 = int64(51)
--   ?7 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (CASE WHEN t1."customerLastName" IS NULL THEN NULL WHEN length(?) = 0 THEN 1 ELSE substr(t1."customerLastName", -length(?)) = ? END)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = ""
--   ?4 = ""
--   ?5 = ""
