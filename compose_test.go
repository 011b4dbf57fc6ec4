package ccfeed_test

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ccfeed/ccfeed/auth"
)

// composeConfig runs "docker-compose config" (Debian's docker-compose, which
// needs no Docker engine) on the repository's compose file with the given
// environment on top of a clean one, and returns the resolved document.
// Without the tool the test skips loudly, and fails in CI, where .ci/run
// installs it.
func composeConfig(t *testing.T, env ...string) map[string]any {
	t.Helper()
	bin, err := exec.LookPath("docker-compose")
	if err != nil {
		msg := "SKIPPED, NOT PASSED: docker-compose is not installed (Debian package docker-compose; .ci/run installs it)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command(bin, "-f", "docker-compose.yml", "config")
	// Only what the tool needs to run: a CCFEED_* variable of the
	// developer's shell would otherwise change the defaults under test.
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("docker-compose config: %v\n%s", err, out)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("docker-compose config printed no YAML: %v\n%s", err, out)
	}
	return doc
}

// dig walks nested maps by key.
func dig(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: not a mapping in the resolved compose file", strings.Join(keys, "."))
		}
		v = m[k]
	}
	return v
}

// TestComposeFile checks what makes "docker compose up" usable by Power BI
// Desktop on the same machine without opening cleartext credentials to the
// network: the file is valid for docker-compose; every published port is
// bound to the host's loopback; the feed is attached to its own network
// only; and the plain-HTTP opt-in names exactly that network's range, a
// range auth accepts. Overriding the range moves both together.
func TestComposeFile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		env    []string
		subnet string
	}{
		{"defaults", nil, "172.30.83.0/24"},
		{"another range", []string{"CCFEED_DOCKER_SUBNET=10.231.7.0/24"}, "10.231.7.0/24"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := composeConfig(t, tc.env...)
			services, _ := dig(t, doc, "services").(map[string]any)
			if len(services) != 1 || services["ccfeed"] == nil {
				t.Fatalf("services %v, want only ccfeed", services)
			}
			svc := services["ccfeed"]

			ports, _ := dig(t, svc, "ports").([]any)
			if len(ports) == 0 {
				t.Fatal("no published port: Power BI could not reach the feed")
			}
			for _, p := range ports {
				s, _ := p.(string)
				if !strings.HasPrefix(s, "127.0.0.1:") {
					t.Errorf("port %v is not bound to the host's loopback", p)
				}
			}

			nets, _ := dig(t, svc, "networks").(map[string]any)
			if len(nets) != 1 || len(dig(t, doc, "networks").(map[string]any)) != 1 {
				t.Fatalf("service networks %v: want the feed's own network only", nets)
			}
			var netName string
			for n := range nets {
				netName = n
			}
			cfgs, _ := dig(t, doc, "networks", netName, "ipam", "config").([]any)
			if len(cfgs) != 1 {
				t.Fatalf("network %s: ipam config %v, want one subnet", netName, cfgs)
			}
			subnet, _ := dig(t, cfgs[0], "subnet").(string)
			if subnet != tc.subnet {
				t.Errorf("subnet %q, want %q", subnet, tc.subnet)
			}

			from, _ := dig(t, svc, "environment", "CCFEED_INSECURE_CREDENTIALS_FROM").(string)
			if from != subnet {
				t.Errorf("CCFEED_INSECURE_CREDENTIALS_FROM %q, want the network's own range %q", from, subnet)
			}
			parsed, err := auth.ParseNetworks(from)
			if err != nil || len(parsed) != 1 {
				t.Fatalf("serve would refuse CCFEED_INSECURE_CREDENTIALS_FROM=%q: %v", from, err)
			}
			if _, want, _ := net.ParseCIDR(subnet); parsed[0].String() != want.String() {
				t.Errorf("opt-in %s differs from the network %s", parsed[0], want)
			}
			if addr, _ := dig(t, svc, "environment", "CCFEED_ADDR").(string); addr != "0.0.0.0:8080" {
				t.Errorf("CCFEED_ADDR %q: inside the container the feed must listen beyond its loopback", addr)
			}
		})
	}
}
