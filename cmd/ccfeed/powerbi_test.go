package main

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPowerBICommandMatchesServedZip runs "ccfeed serve" and "ccfeed
// powerbi --url" for the URL serve announced: the folder the command
// writes holds exactly the files of /powerbi/project.zip, fetched without
// credentials.
func TestPowerBICommandMatchesServedZip(t *testing.T) {
	dir := t.TempDir()
	s := serveCmd(t, nil, "--db", filepath.Join(dir, "feed.db"))
	base := strings.TrimSuffix(s.root, "odata/")
	resp, err := s.client.Get(base + "powerbi/project.zip")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("project.zip: %d %s", resp.StatusCode, body)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "project")
	var stdout bytes.Buffer
	if err := cmdPowerBI(t.Context(), []string{"--url", s.root, "--out", out}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "ccfeed.pbip") {
		t.Errorf("output does not say what to open: %s", stdout.String())
	}
	written := 0
	err = filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			written++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if written != len(zr.File) || written < 20 {
		t.Fatalf("the command wrote %d files, the zip holds %d", written, len(zr.File))
	}
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		served, _ := io.ReadAll(rc)
		rc.Close()
		local, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(zf.Name)))
		if err != nil || !bytes.Equal(local, served) {
			t.Errorf("%s: the command's file differs from the served one (%v)", zf.Name, err)
		}
	}
	// Running again needs --replace.
	if err := cmdPowerBI(t.Context(), []string{"--url", s.root, "--out", out}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "--replace") {
		t.Errorf("second run without --replace: %v", err)
	}
	if err := cmdPowerBI(t.Context(), []string{"--url", s.root, "--out", out, "--replace", "--sets", "Calls,Agents", "--incremental"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	tables, _ := filepath.Glob(filepath.Join(out, "ccfeed.SemanticModel", "definition", "tables", "*.tmdl"))
	if len(tables) != 3 { // Calls, Agents, Date
		t.Errorf("after --replace with two sets: tables %v", tables)
	}
}

func TestPowerBICommandRefuses(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"--out", dir}, "--url and --out are required", true},
		{[]string{"--url", "https://h/odata/"}, "--url and --out are required", true},
		{[]string{"--url", "h/odata/", "--out", dir}, "absolute http or https", false},
		{[]string{"--url", "https://h/odata/", "--out", dir, "--sets", "Conversations,Nope"}, "no entity set Nope", false},
	} {
		err := cmdPowerBI(t.Context(), tc.args, io.Discard, io.Discard)
		var ue usageError
		if err == nil || !strings.Contains(err.Error(), tc.want) || errors.As(err, &ue) != tc.usage {
			t.Errorf("%v: %v, want %q (usage error %v)", tc.args, err, tc.want, tc.usage)
		}
	}
}
