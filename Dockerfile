# Build: cgo is needed by mattn/go-sqlite3. The tags are the ones every build
# and test of this repository uses (full-text search and math functions).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -tags "sqlite_fts5 sqlite_math_functions" -trimpath \
      -ldflags "-s -w" -o /out/ccfeed ./cmd/ccfeed

# Run: a small Debian with the C library the binary links against. The
# time zone database is compiled into the binary.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data ccfeed \
 && mkdir -p /data && chown ccfeed /data
COPY --from=build /out/ccfeed /usr/local/bin/ccfeed
USER ccfeed
VOLUME /data
# Inside the container the server listens on every interface; the database
# lives on the volume. Everything is configured through environment.
ENV CCFEED_DB=/data/ccfeed.db \
    CCFEED_ADDR=0.0.0.0:8080 \
    CCFEED_HEALTH_URL=http://127.0.0.1:8080/healthz
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/ccfeed", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/ccfeed"]
CMD ["serve"]
