package main

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestInsecureCredentialsFromFlag checks that serve refuses, before opening
// anything to the network, an opt-in that would take cleartext credentials
// from beyond private networks; the handler tests in server cover what an
// accepted network lets in.
func TestInsecureCredentialsFromFlag(t *testing.T) {
	dir := t.TempDir()
	for _, bad := range []string{"0.0.0.0/0", "203.0.113.0/24", "not-a-network"} {
		err := cmdServe(context.Background(), []string{"--db", filepath.Join(dir, "feed.db"), "--demo=false",
			"--addr", "127.0.0.1:0", "--insecure-credentials-from", bad}, io.Discard, io.Discard)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--insecure-credentials-from") {
			t.Errorf("--insecure-credentials-from %s: %v, want a usage error naming the flag", bad, err)
		}
	}
}
