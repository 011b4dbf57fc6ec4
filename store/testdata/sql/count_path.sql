-- request: Conversations/$count?$filter=Messages/any(m:m/senderType eq 'bot')
-- tenants: contoso, fabrikam

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (EXISTS (SELECT 1 FROM "Messages" AS t2 WHERE t2."tenantId" IN (?, ?) AND t2."conversationId" = t1."id" AND (t2."senderType" = ?)))
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "bot"
