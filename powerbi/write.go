package powerbi

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ccfeed/ccfeed/edm"
)

// Bundle is everything "ccfeed powerbi" writes and /powerbi/project.zip
// holds: the project's files and, beside them, Name.pbids.
func Bundle(m *edm.Model, opt Options) ([]File, error) {
	files, err := Project(m, opt)
	if err != nil {
		return nil, err
	}
	pbids, err := PBIDS(opt.FeedURL)
	if err != nil {
		return nil, err
	}
	name := opt.Name
	if name == "" {
		name = "ccfeed"
	}
	return append(files, File{name + ".pbids", pbids}), nil
}

// WriteDir writes files under dir. It refuses to write into an existing
// item folder (Name.SemanticModel, Name.Report) unless replace is set, and
// then removes that folder first: a table left over from an earlier run
// would otherwise stay in the model.
func WriteDir(dir string, files []File, replace bool) error {
	items := map[string]bool{}
	for _, f := range files {
		if top, _, ok := strings.Cut(f.Path, "/"); ok {
			items[top] = true
		}
	}
	for top := range items {
		p := filepath.Join(dir, top)
		if _, err := os.Stat(p); err == nil {
			if !replace {
				return fmt.Errorf("%s already exists: remove it, or pass --replace to rewrite it", p)
			}
			if err := os.RemoveAll(p); err != nil {
				return err
			}
		}
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// zipTime is the modification time written for every entry, so the same
// files always make the same archive.
var zipTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteZip writes files as a zip archive.
func WriteZip(w io.Writer, files []File) error {
	zw := zip.NewWriter(w)
	for _, f := range files {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.Path, Method: zip.Deflate, Modified: zipTime})
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.Data); err != nil {
			return err
		}
	}
	return zw.Close()
}
