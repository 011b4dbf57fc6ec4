package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/ccfeed/ccfeed/edm"
	"github.com/ccfeed/ccfeed/powerbi"
)

// cmdPowerBI writes a Power BI project for a feed: the same files the feed
// serves at /powerbi/project.zip, for a URL given on the command line.
func cmdPowerBI(_ context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCommand("powerbi", "--url FEED_URL --out DIR [--sets A,B] [--incremental]", `
Write a Power BI project (PBIP, with a TMDL semantic model and a report
page) and a .pbids file for a feed: the same files the feed serves at
/powerbi/project.zip and /powerbi/feed.pbids.`, stdout)
	feedURL := c.String("url", "", "", "the feed's service root as Power BI reaches it, for example https://feed.example.com/odata/ (required)")
	out := c.String("out", "", "", "`folder` to write the project into (required)")
	name := c.String("name", "", "ccfeed", "project `name`: NAME.pbip, NAME.SemanticModel, NAME.Report, NAME.pbids")
	sets := c.String("sets", "", strings.Join(powerbi.DefaultSets, ","), "comma-separated entity `sets` to make tables of")
	keyName := c.String("api-key-name", "", "access_token", "ApiKeyName for the Web API key credential: the feed's --api-key-param; empty leaves it out")
	incremental := c.Bool("incremental", "", false, "add incremental refresh policies (RangeStart/RangeEnd) to the fact tables")
	replace := c.Bool("replace", "", false, "rewrite the project's folders if they exist")
	if err := c.parse(args, false); err != nil {
		return err
	}
	if *feedURL == "" || *out == "" {
		return c.usageErr("--url and --out are required")
	}
	var list []string
	for _, s := range strings.Split(*sets, ",") {
		if s = strings.TrimSpace(s); s != "" {
			list = append(list, s)
		}
	}
	files, err := powerbi.Bundle(edm.Default(), powerbi.Options{
		FeedURL: *feedURL, Name: *name, Sets: list, APIKeyName: *keyName, Incremental: *incremental,
	})
	if err != nil {
		return err
	}
	if err := powerbi.WriteDir(*out, files, *replace); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d files to %s\n", len(files), *out)
	fmt.Fprintf(stdout, "Open %s.pbip in Power BI Desktop (it asks how to sign in to the feed), or %s.pbids to start from Get Data.\n", *name, *name)
	return nil
}
