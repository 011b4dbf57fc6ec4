-- request: Conversations?$filter=Queue/Channel/name eq 'Main hotline' and Agent eq null&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Conversations" AS t2 LEFT JOIN "Queues" AS t3 ON t3."id" = t2."queueId" AND t3."tenantId" IN (?, ?) LEFT JOIN "Channels" AS t4 ON t4."id" = t3."channelId" AND t4."tenantId" IN (?, ?) LEFT JOIN "Agents" AS t5 ON t5."id" = t2."agentId" AND t5."tenantId" IN (?, ?) WHERE t2."tenantId" IN (?, ?) AND ((t4."name" = ?) AND (t5."id" IS NULL)) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c1
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "contoso"
--   ?6 = "fabrikam"
--   ?7 = "contoso"
--   ?8 = "fabrikam"
--   ?9 = "contoso"
--   ?10 = "fabrikam"
--   ?11 = "Main hotline"
--   ?12 = int64(51)
--   ?13 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 LEFT JOIN "Queues" AS t2 ON t2."id" = t1."queueId" AND t2."tenantId" IN (?, ?) LEFT JOIN "Channels" AS t3 ON t3."id" = t2."channelId" AND t3."tenantId" IN (?, ?) LEFT JOIN "Agents" AS t4 ON t4."id" = t1."agentId" AND t4."tenantId" IN (?, ?) WHERE t1."tenantId" IN (?, ?) AND ((t3."name" = ?) AND (t4."id" IS NULL))
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "contoso"
--   ?6 = "fabrikam"
--   ?7 = "contoso"
--   ?8 = "fabrikam"
--   ?9 = "Main hotline"
