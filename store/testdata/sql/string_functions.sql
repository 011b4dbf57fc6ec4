-- request: Conversations?$filter=contains(summary,'refund') or startswith(customerFirstName,'Zo') or endswith(customerLastName,'ez')&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Conversations" AS t2 WHERE t2."tenantId" IN (?, ?) AND (((instr(t2."summary", ?) > 0) OR (substr(t2."customerFirstName", 1, length(?)) = ?)) OR (CASE WHEN t2."customerLastName" IS NULL THEN NULL WHEN length(?) = 0 THEN 1 ELSE substr(t2."customerLastName", -length(?)) = ? END)) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c1
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "refund"
--   ?6 = "Zo"
--   ?7 = "Zo"
--   ?8 = "ez"
--   ?9 = "ez"
--   ?10 = "ez"
--   ?11 = int64(51)
--   ?12 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (((instr(t1."summary", ?) > 0) OR (substr(t1."customerFirstName", 1, length(?)) = ?)) OR (CASE WHEN t1."customerLastName" IS NULL THEN NULL WHEN length(?) = 0 THEN 1 ELSE substr(t1."customerLastName", -length(?)) = ? END))
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "refund"
--   ?4 = "Zo"
--   ?5 = "Zo"
--   ?6 = "ez"
--   ?7 = "ez"
--   ?8 = "ez"
