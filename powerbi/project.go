// Package powerbi writes a Power BI Project (PBIP) for the feed: a semantic
// model in TMDL whose tables read the feed with OData.Feed, with column
// types, hidden keys, relationships, descriptions, a date table and the
// standard contact-center measures, all derived from the edm model; a
// minimal report (PBIR) over it; and a .pbids file that opens the feed in
// Power BI Desktop. It depends on edm only: cmd/ccfeed writes the project
// to a folder and the server serves it, built for the feed's own URL.
package powerbi

import (
	"crypto/sha1"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/powerbi/tmdl"
)

// DefaultSets are the entity sets a project gets unless told otherwise:
// the Buzzeasy-shaped core of a contact center (conversations, their queue
// stays, the agents' tasks and states, bot passes, and the lookups that
// name them) plus Messages.
var DefaultSets = []string{
	"Conversations", "Messages", "QueueSegments", "Workitems", "AgentStates", "BotSegments",
	"Agents", "Queues", "Channels", "BusinessUnits", "Customers", "BotSteps",
}

// Options choose what the project holds.
type Options struct {
	// FeedURL is the feed's service root as Power BI reaches it, for
	// example "https://feed.example.com/odata/". A URL without a path gets
	// "/odata/".
	FeedURL string
	// Name names the project's files (Name.pbip, Name.SemanticModel, ...);
	// "ccfeed" when empty.
	Name string
	// Sets lists the entity sets to make tables of; DefaultSets when empty.
	Sets []string
	// APIKeyName, when set, goes into every OData.Feed call as ApiKeyName,
	// so Power BI offers the Web API key credential and sends the key in
	// that query parameter (the feed's --api-key-param).
	APIKeyName string
	// Incremental adds RangeStart and RangeEnd parameters and an
	// incremental refresh policy to every fact table with a main date,
	// with "detect data changes" on modifiedAtUTC where the set has it.
	Incremental bool
}

// File is one file of the project, its path relative to the project folder
// with "/" separators.
type File struct {
	Path string
	Data []byte
}

// Project builds the PBIP files for model m. The files are deterministic:
// the same model and options give the same bytes (identifiers are derived
// from names, not drawn at random), so they can be compared with golden
// files and served with a stable ETag.
func Project(m *edm.Model, opt Options) ([]File, error) {
	feed, err := NormalizeFeedURL(opt.FeedURL)
	if err != nil {
		return nil, err
	}
	opt.FeedURL = feed
	if opt.Name == "" {
		opt.Name = "ccfeed"
	}
	if strings.ContainsAny(opt.Name, `/\:*?"<>|`) || strings.TrimSpace(opt.Name) != opt.Name {
		return nil, fmt.Errorf("project name %q cannot be a file name", opt.Name)
	}
	if len(opt.Sets) == 0 {
		opt.Sets = DefaultSets
	}
	sm, err := buildModel(m, opt)
	if err != nil {
		return nil, err
	}
	files := sm.files(opt)
	report, err := buildReport(sm, opt)
	if err != nil {
		return nil, err
	}
	files = append(files, report...)
	files = append(files,
		File{opt.Name + ".pbip", jsonFile(pbipFile{
			Schema:    "https://developer.microsoft.com/json-schemas/fabric/pbip/pbipProperties/1.0.0/schema.json",
			Version:   "1.0",
			Artifacts: []pbipArtifact{{Report: &pbipPath{Path: opt.Name + ".Report"}}},
			Settings:  map[string]bool{"enableAutoRecovery": true},
		})},
		// Power BI Desktop keeps per-user settings and a data cache next
		// to the definition; they are not part of the project.
		File{".gitignore", []byte("**/.pbi/localSettings.json\n**/.pbi/cache.abf\n")},
	)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

type pbipFile struct {
	Schema    string          `json:"$schema"`
	Version   string          `json:"version"`
	Artifacts []pbipArtifact  `json:"artifacts"`
	Settings  map[string]bool `json:"settings"`
}

type pbipArtifact struct {
	Report *pbipPath `json:"report"`
}

type pbipPath struct {
	Path string `json:"path"`
}

// NormalizeFeedURL checks a feed URL and returns it as a service root: an
// absolute http or https URL without credentials, query or fragment,
// ending in "/" ("/odata/" when it had no path). The URL ends up inside M
// and TMDL text, so anything that is not a plain URL is refused rather
// than escaped into something surprising.
func NormalizeFeedURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("feed URL %q: want an absolute http or https URL such as https://feed.example.com/odata/", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", fmt.Errorf("feed URL %q: leave out credentials, query and fragment: Power BI asks for credentials itself", raw)
	}
	for _, r := range u.Host {
		if r <= ' ' || r == '"' || r == '\'' || r == '\\' || r > '~' {
			return "", fmt.Errorf("feed URL %q: unexpected %q in the host", raw, r)
		}
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/odata/"
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawPath = ""
	return u.String(), nil
}

// mString writes s as an M text literal: quotes doubled, and "#(" escaped
// because it starts an escape sequence inside M text.
func mString(s string) string {
	s = strings.ReplaceAll(s, `"`, `""`)
	s = strings.ReplaceAll(s, "#(", "#(#)(")
	return `"` + s + `"`
}

// stableID derives a GUID-shaped identifier from names (name-based, like a
// version 5 UUID), so regenerating the project keeps every identifier.
func stableID(parts ...string) string {
	h := sha1.Sum([]byte("ccfeed powerbi\x00" + strings.Join(parts, "\x00")))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// tmdlFile renders objects into a file of the semantic model.
func tmdlFile(p string, objs ...*tmdl.Object) File {
	return File{Path: p, Data: tmdl.Format(objs)}
}

// setByName finds a set by walking m.Sets, so a model assembled by hand (a
// test's model with an extra property) works like edm.Default().
func setByName(m *edm.Model, name string) *edm.EntitySet {
	for _, s := range m.Sets {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// propByName finds a property of a type by walking its list, for the same
// reason.
func propByName(t *edm.EntityType, name string) *edm.Property {
	for _, p := range t.Properties {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func joinPath(parts ...string) string { return path.Join(parts...) }
