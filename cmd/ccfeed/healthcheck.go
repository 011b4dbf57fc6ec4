package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// cmdHealthcheck probes /healthz; the container image has no curl, so its
// health check runs this.
func cmdHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCommand("healthcheck", "[--url URL]", `
Probe a running server's health URL and exit 0 when it answers 200 (the
container image has no curl).`, stdout)
	url := c.String("url", "CCFEED_HEALTH_URL", "http://127.0.0.1:8080/healthz", "health `URL` to probe")
	if err := c.parse(args, false); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", *url, resp.Status)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
