-- request: Conversations?$filter=contains(summary,'refund') or startswith(customerFirstName,'Zo') or endswith(customerLastName,'ez')&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (((instr(t1."summary", ?) > 0) OR (substr(t1."customerFirstName", 1, length(?)) = ?)) OR (CASE WHEN t1."customerLastName" IS NULL THEN NULL WHEN length(?) = 0 THEN 1 ELSE substr(t1."customerLastName", -length(?)) = ? END)) ORDER BY c1 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "refund"
--   ?4 = "Zo"
--   ?5 = "Zo"
--   ?6 = "ez"
--   ?7 = "ez"
--   ?8 = "ez"
--   ?9 = int64(51)
--   ?10 = int64(0)

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
