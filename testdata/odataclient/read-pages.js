#!/usr/bin/env node
// read-pages.js reads one entity set of a ccfeed service through a typed
// client that the SAP Cloud SDK generator made from the service's own
// $metadata, and prints a JSON summary on stdout (rows, pages and their
// sizes, distinct and repeated keys, every key in the order received, the
// first nextLinks and a sample row, raw and as the SDK typed it). It is the
// "independent client" of internal/e2e/odataclient_test.go: the Go test
// generates the client, runs this script against a live feed, and compares
// the summary with the feed's own answers. Whatever the SDK logs goes to
// stderr, which the test shows.
//
// The first request is built by the SDK's typed request builder (filter,
// select and top from the generated field objects), so the URL is spelled
// the way the SDK spells it. The SDK has no server-driven paging, so the
// following pages are read by following @odata.nextLink exactly as sent,
// through the SDK's HTTP client; every row of every page is deserialized by
// the SDK's entity deserializer, which rejects values that do not match the
// types $metadata declares (an Edm.DateTimeOffset without an offset, say).
//
// Environment:
//   CCFEED_ROOT      service root, e.g. http://127.0.0.1:8080/odata/ (required)
//   CCFEED_TOKEN     bearer token (required)
//   CCFEED_CLIENT    directory of the generated, transpiled client (required)
//   CCFEED_TENANT    tenantId the filter asks for (required)
//   CCFEED_SINCE     startedAtUTC lower bound, ISO 8601 with Z (required)
//   CCFEED_TOP       $top (default 1000)
//   CCFEED_PAGESIZE  odata.maxpagesize asked for with Prefer (default 100)
//   CCFEED_MAXPAGES  safety stop for a nextLink loop (default 10000)
'use strict';

const path = require('path');
const moment = require('moment');
const { executeHttpRequest } = require('@sap-cloud-sdk/http-client');
const {
  entityDeserializer,
  defaultDeSerializers
} = require('@sap-cloud-sdk/odata-v4');

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`read-pages: environment variable ${name} is required`);
    process.exit(2);
  }
  return v;
}

async function main() {
  const root = need('CCFEED_ROOT');
  const token = need('CCFEED_TOKEN');
  const clientDir = path.resolve(need('CCFEED_CLIENT'));
  const tenant = need('CCFEED_TENANT');
  const since = moment.utc(need('CCFEED_SINCE'), moment.ISO_8601, true);
  if (!since.isValid()) {
    throw new Error(`CCFEED_SINCE is not an ISO 8601 date-time: ${process.env.CCFEED_SINCE}`);
  }
  const top = parseInt(process.env.CCFEED_TOP || '1000', 10);
  const pageSize = parseInt(process.env.CCFEED_PAGESIZE || '100', 10);
  const maxPages = parseInt(process.env.CCFEED_MAXPAGES || '10000', 10);

  // The client was generated with basePath /odata, so the destination is
  // the scheme and host of the service root.
  const rootURL = new URL(root);
  const destination = { url: rootURL.origin };
  const headers = {
    Authorization: `Bearer ${token}`,
    Prefer: `odata.maxpagesize=${pageSize}`
  };

  const { ccfeed } = require(clientDir);
  const { chatsApi } = ccfeed();
  const s = chatsApi.schema;

  const selected = [
    s.ID,
    s.TENANT_ID,
    s.MEDIA_TYPE,
    s.CHANNEL_TYPE,
    s.STARTED_AT_UTC,
    s.STARTED_AT,
    s.DURATION_IN_SECONDS,
    s.IS_OUTBOUND,
    s.CSAT,
    s.CUSTOMER_LAST_NAME
  ];
  const request = chatsApi
    .requestBuilder()
    .getAll()
    .select(...selected)
    .filter(s.TENANT_ID.equals(tenant), s.STARTED_AT_UTC.greaterOrEqual(since))
    .top(top)
    .addCustomHeaders(headers);

  const firstURL = await request.url(destination);
  const deserializer = entityDeserializer(defaultDeSerializers);
  const selectedNames = selected.map(f => f._fieldName);

  const summary = {
    set: 'Chats',
    firstUrl: firstURL,
    filter: new URL(firstURL).searchParams.get('$filter'),
    select: selectedNames,
    top,
    pageSize,
    rows: 0,
    pages: 0,
    pageRows: [],
    distinctKeys: 0,
    duplicateKeys: [],
    preferenceApplied: null,
    contexts: [],
    missingProperties: 0,
    filterViolations: 0,
    nextLinks: [],
    sample: null,
    keys: []
  };
  const keys = new Set();

  let response = await request.executeRaw(destination);
  for (;;) {
    summary.pages++;
    if (summary.pages > maxPages) {
      throw new Error(`more than ${maxPages} pages: the nextLink chain does not end`);
    }
    if (response.status !== 200) {
      throw new Error(`page ${summary.pages}: HTTP ${response.status}`);
    }
    if (summary.pages === 1) {
      summary.preferenceApplied = response.headers['preference-applied'] || null;
    }
    const data = response.data;
    if (!data || !Array.isArray(data.value)) {
      throw new Error(`page ${summary.pages}: the body has no "value" array`);
    }
    const ctx = data['@odata.context'];
    if (!summary.contexts.includes(ctx)) {
      summary.contexts.push(ctx);
    }
    summary.pageRows.push(data.value.length);
    for (const raw of data.value) {
      for (const name of selectedNames) {
        if (!(name in raw)) {
          summary.missingProperties++;
        }
      }
      // Throws on a value that does not fit its declared EDM type.
      const e = deserializer.deserializeEntity(raw, chatsApi, response.headers);
      summary.rows++;
      if (keys.has(e.id)) {
        if (summary.duplicateKeys.length < 10) {
          summary.duplicateKeys.push(e.id);
        }
      }
      keys.add(e.id);
      summary.keys.push(e.id);
      if (e.tenantId !== tenant || !e.startedAtUtc || e.startedAtUtc.isBefore(since)) {
        summary.filterViolations++;
      }
      if (!summary.sample) {
        summary.sample = {
          raw,
          typed: {
            id: e.id,
            startedAtUtc: e.startedAtUtc ? e.startedAtUtc.toISOString() : null,
            startedAt: e.startedAt ? e.startedAt.toISOString() : null,
            durationInSeconds: e.durationInSeconds,
            isOutbound: e.isOutbound,
            csat: e.csat
          }
        };
      }
    }
    const next = data['@odata.nextLink'];
    if (!next) {
      break;
    }
    if (summary.nextLinks.length < 3) {
      summary.nextLinks.push(next);
    }
    response = await executeHttpRequest(
      { url: next },
      { method: 'get', headers },
      { fetchCsrfToken: false }
    );
  }
  summary.distinctKeys = keys.size;
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
}

main().catch(err => {
  // The SDK wraps errors; print the whole chain so a failing test shows
  // what the server or the deserializer said.
  let e = err;
  const lines = [];
  while (e) {
    lines.push(String(e.stack || e));
    if (e.response && e.response.data) {
      lines.push('response body: ' + JSON.stringify(e.response.data));
    }
    e = e.cause;
  }
  console.error(lines.join('\ncaused by: '));
  process.exit(1);
});
