package powerbi

// PBIDS returns a .pbids file for the feed: opened in Power BI Desktop, it
// starts Get Data with the OData protocol and the feed URL filled in (the
// user then picks tables and signs in). feedURL is normalized as for
// Project.
func PBIDS(feedURL string) ([]byte, error) {
	u, err := NormalizeFeedURL(feedURL)
	if err != nil {
		return nil, err
	}
	type address struct {
		URL string `json:"url"`
	}
	type details struct {
		Protocol string  `json:"protocol"`
		Address  address `json:"address"`
	}
	type connection struct {
		Details details        `json:"details"`
		Options map[string]any `json:"options"`
		Mode    string         `json:"mode"`
	}
	return jsonFile(struct {
		Version     string       `json:"version"`
		Connections []connection `json:"connections"`
	}{"0.1", []connection{{Details: details{"odata", address{u}}, Options: map[string]any{}, Mode: "Import"}}}), nil
}
