package powerbi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/ccfeed/ccfeed"
	"github.com/ccfeed/ccfeed/edm"
)

// Handler serves the Power BI files for the feed that mounts it, built for
// the service root the server records in the request's context
// (ccfeed.ServiceRoot), so they point back at the URL the client used:
//
//	/feed.pbids   the .pbids file (Power BI Desktop opens Get Data on the feed)
//	/project.zip  the Bundle: the PBIP project and the .pbids
//
// The server mounts it under /powerbi/ with that prefix stripped. Neither
// file holds a credential, so no sign-in is asked for; opt.FeedURL is
// ignored.
func Handler(m *edm.Model, opt Options) http.Handler {
	return &handler{m: m, opt: opt, cache: map[string]*built{}}
}

type handler struct {
	m     *edm.Model
	opt   Options
	mu    sync.Mutex
	cache map[string]*built // by service root
}

type built struct {
	pbids, zip []byte
	etagPBIDS  string
	etagZip    string
}

// maxCached bounds the cache: without a public URL the root follows the
// request's Host header, which a client chooses.
const maxCached = 8

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, r.Method+" is not supported here", http.StatusMethodNotAllowed)
		return
	}
	var name, ctype, disposition string
	switch strings.TrimPrefix(r.URL.Path, "/") {
	case "feed.pbids":
		name, ctype, disposition = "pbids", "application/json", h.fileName()+".pbids"
	case "project.zip":
		name, ctype, disposition = "zip", "application/zip", h.fileName()+"-powerbi.zip"
	default:
		http.Error(w, "not found: the Power BI files are /powerbi/feed.pbids and /powerbi/project.zip", http.StatusNotFound)
		return
	}
	root := ccfeed.ServiceRoot(r.Context())
	b, err := h.build(root)
	if err != nil {
		http.Error(w, "cannot build the Power BI files for "+root+": "+err.Error(), http.StatusBadRequest)
		return
	}
	body, etag := b.pbids, b.etagPBIDS
	if name == "zip" {
		body, etag = b.zip, b.etagZip
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+disposition+`"`)
	// Rebuilt when the feed's model or URL changes: let clients revalidate.
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", etag)
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	// Written whole, without byte ranges: the server may gzip the
	// response, and a range of the uncompressed file would not match.
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func (h *handler) fileName() string {
	if h.opt.Name != "" {
		return h.opt.Name
	}
	return "ccfeed"
}

func (h *handler) build(root string) (*built, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if b := h.cache[root]; b != nil {
		return b, nil
	}
	opt := h.opt
	opt.FeedURL = root
	files, err := Bundle(h.m, opt)
	if err != nil {
		return nil, err
	}
	var zip bytes.Buffer
	if err := WriteZip(&zip, files); err != nil {
		return nil, err
	}
	b := &built{zip: zip.Bytes()}
	for _, f := range files {
		if strings.HasSuffix(f.Path, ".pbids") {
			b.pbids = f.Data
		}
	}
	b.etagPBIDS, b.etagZip = etag(b.pbids), etag(b.zip)
	if len(h.cache) >= maxCached {
		for k := range h.cache {
			delete(h.cache, k)
			break
		}
	}
	h.cache[root] = b
	return b, nil
}

func etag(b []byte) string {
	s := sha256.Sum256(b)
	return `"` + hex.EncodeToString(s[:12]) + `"`
}
