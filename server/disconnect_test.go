package server_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ccfeed/ccfeed/internal/feedtest"
	"github.com/ccfeed/ccfeed/server"
)

// TestClientDisconnect: a client that hangs up in the middle of a response
// is logged as client-closed, at info level and without a stack, never as
// a 500 or an error: dashboards that count 500s must not count hang-ups.
func TestClientDisconnect(t *testing.T) {
	// Pages of 20,000 rows: each response is several times larger than the
	// sockets' buffers can hold (4 MB on Linux), so the hang-up lands while
	// rows stream rather than after the last one was handed to the kernel.
	f := feedtest.Start(t, feedtest.DemoDB(t), feedtest.Options{Config: server.Config{PageSize: 20000, MaxPageSize: 20000}})
	tok := f.ReadToken(t)
	u, _ := url.Parse(f.Base)
	for _, target := range []string{
		"/odata/Messages",
		"/odata/Messages?$expand=Conversation",
		"/odata/Messages?$apply=compute(concat(concat(body,body),concat(body,body)) as b4)",
	} {
		t.Run(target, func(t *testing.T) {
			before := strings.Count(f.Log.String(), "\n")
			// A small receive window: the response cannot slip whole into
			// the sockets' buffers before the hang-up.
			d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
				return rc.Control(func(fd uintptr) {
					syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
				})
			}}
			c, err := d.Dial("tcp", u.Host)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n", strings.ReplaceAll(target, " ", "%20"), u.Host, tok)
			br := bufio.NewReader(c)
			status, _ := br.ReadString('\n')
			if !strings.Contains(status, "200") {
				t.Fatalf("status line %q", status)
			}
			// Read a little of the body, then hang up.
			io.ReadFull(br, make([]byte, 8<<10))
			c.Close()
			var line map[string]any
			deadline := time.Now().Add(20 * time.Second)
			for line == nil && time.Now().Before(deadline) {
				lines := strings.Split(f.Log.String(), "\n")
				for _, l := range lines[min(before, len(lines)):] {
					var m map[string]any
					if json.Unmarshal([]byte(l), &m) == nil && m["message"] == "request" {
						line = m
					}
				}
				time.Sleep(20 * time.Millisecond)
			}
			if line == nil {
				t.Fatalf("no request line logged:\n%s", f.Log.String())
			}
			log := f.Log.String()
			if line["level"] != "info" || line["status"] != float64(499) || line["error"] != "client_closed" {
				t.Errorf("logged as %v %v %v, want info, 499, client_closed: %v", line["level"], line["status"], line["error"], line)
			}
			for _, bad := range []string{"panic", "abort Handler", `"level":"error"`, "goroutine "} {
				if strings.Contains(log, bad) {
					t.Errorf("the log holds %q:\n%s", bad, log)
				}
			}
		})
	}
}
