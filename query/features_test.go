package query

import (
	"slices"
	"testing"

	"github.com/ccfeed/ccfeed/edm"
)

// $metadata advertises Capabilities.FilterFunctions from edm.Features; the
// binder accepts what the registry holds. They must be the same list, or a
// client would be promised a function that answers 400 (or never told of
// one that works).
func TestFilterFunctionsMatchRegistry(t *testing.T) {
	got := FunctionNames()
	want := slices.Clone(edm.Features.FilterFunctions)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("registry and edm.Features.FilterFunctions differ:\nregistry: %v\nfeatures: %v", got, want)
	}
}

func TestExpandLevelsMatchLimit(t *testing.T) {
	if edm.Features.MaxExpandLevels != MaxExpandDepth {
		t.Fatalf("$metadata advertises MaxLevels %d, the parser allows %d", edm.Features.MaxExpandLevels, MaxExpandDepth)
	}
}
