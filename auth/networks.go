package auth

import (
	"fmt"
	"net"
	"strings"
)

// ParseNetworks reads a comma-separated list of networks for
// HTTP.InsecureFrom: CIDRs ("172.30.83.0/24") or single addresses
// ("172.30.83.1", taken as /32 or /128). Every network must lie inside a
// private (RFC 1918, IPv6 unique local), loopback or link-local range:
// accepting credentials in clear from the internet is never what the
// option is for, so "0.0.0.0/0" or a public range is refused rather than
// obeyed. An empty list is no network.
func ParseNetworks(list string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		n, err := parseNetwork(item)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

func parseNetwork(s string) (*net.IPNet, error) {
	var n *net.IPNet
	if strings.Contains(s, "/") {
		_, parsed, err := net.ParseCIDR(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a network (CIDR such as 172.30.83.0/24, or an address)", s)
		}
		n = parsed
	} else {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, fmt.Errorf("%q is not a network (CIDR such as 172.30.83.0/24, or an address)", s)
		}
		bits := 128
		if ip4 := ip.To4(); ip4 != nil {
			ip, bits = ip4, 32
		}
		n = &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}
	}
	first, last := n.IP, lastAddr(n)
	if !local(first) || !local(last) {
		return nil, fmt.Errorf("%s reaches beyond private, loopback and link-local addresses: credentials sent in clear from there could be read on the way", n)
	}
	return n, nil
}

// local reports whether ip is in a range that does not cross the internet.
func local(ip net.IP) bool {
	return ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast()
}

// lastAddr is the highest address of n.
func lastAddr(n *net.IPNet) net.IP {
	ip := make(net.IP, len(n.IP))
	for i := range n.IP {
		ip[i] = n.IP[i] | ^n.Mask[i]
	}
	return ip
}
