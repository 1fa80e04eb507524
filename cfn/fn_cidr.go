package cfn

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
	"strconv"
)

// checkCidr checks Fn::Cidr: [ip block, count, cidr bits].
func (c *checker) checkCidr(arg, at *Node, depth int) {
	items := c.list("Fn::Cidr", arg, at, 3, 3, "[ip block, count, cidr bits]")
	for i, it := range items {
		what := [...]string{"the ip block", "the count", "the cidr bits"}[i]
		c.checkString("Fn::Cidr", what, it, at, depth)
	}
}

// fnCidr evaluates Fn::Cidr: count subnets of the block, each with
// cidrBits host bits, in address order.
func (r *resolver) fnCidr(arg, at *Node) any {
	mark := r.fails
	vals := make([]any, 3)
	for i, it := range arg.items {
		vals[i] = r.eval(it)
	}
	if r.failedSince(mark) {
		return nil
	}
	if anyUnknown(vals...) {
		return r.derived(at, vals...)
	}
	block, _ := text(vals[0])
	prefix, err := netip.ParsePrefix(block)
	if err != nil {
		r.fail(at, "Fn::Cidr: %s is not a CIDR block", quote(block))
		return nil
	}
	count, okCount := number(vals[1])
	hostBits, okBits := number(vals[2])
	total := prefix.Addr().BitLen()
	switch {
	case !okCount || count < 1 || count > 256:
		r.fail(at, "Fn::Cidr: the count must be a whole number from 1 to 256")
		return nil
	case !okBits || hostBits < 1 || hostBits > total:
		r.fail(at, "Fn::Cidr: the cidr bits must be a whole number from 1 to %d", total)
		return nil
	}
	subnetLen := total - hostBits
	if subnetLen < prefix.Bits() {
		r.fail(at, "Fn::Cidr: subnets with %d host bits do not fit in %s", hostBits, block)
		return nil
	}
	if room := subnetLen - prefix.Bits(); room < 9 && count > 1<<room {
		r.fail(at, "Fn::Cidr: %s holds %d subnets with %d host bits, not %d", block, 1<<room, hostBits, count)
		return nil
	}
	if !r.spendValues(count, at) {
		return nil
	}
	out := make([]any, count)
	base := prefix.Masked().Addr().As16()
	for i := range count {
		addr := netip.AddrFrom16(addShifted(base, uint64(i), hostBits))
		if prefix.Addr().Is4() {
			addr = addr.Unmap()
		}
		out[i] = netip.PrefixFrom(addr, subnetLen).String()
	}
	return out
}

// addShifted adds n << shift to a 128-bit big-endian address.
func addShifted(a [16]byte, n uint64, shift int) [16]byte {
	hi, lo := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:])
	var addHi, addLo uint64
	switch {
	case shift >= 64:
		addHi = n << (shift - 64)
	case shift == 0:
		addLo = n
	default:
		addLo, addHi = n<<shift, n>>(64-shift)
	}
	lo, carry := bits.Add64(lo, addLo, 0)
	hi, _ = bits.Add64(hi, addHi, carry)
	binary.BigEndian.PutUint64(a[:8], hi)
	binary.BigEndian.PutUint64(a[8:], lo)
	return a
}

// number reads a whole number written as a number or a string.
func number(v any) (int, bool) {
	switch v := v.(type) {
	case int64:
		if v < 0 || v > 1<<20 {
			return 0, false
		}
		return int(v), true
	case string:
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	return 0, false
}
