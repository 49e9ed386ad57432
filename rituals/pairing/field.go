package pairing

// field is the finite field GF(q) for q a prime p or its square, as the direct constructions of
// resolvable designs need it (GF(25) and GF(49) among them). An element a + b·x is coded a + b·p,
// where x² = nonResidue, a non-square modulo p, so that x² - nonResidue is irreducible.
type field struct {
	q, p       int
	nonResidue int
}

// newField returns GF(q), or false if q is neither a prime nor the square of one.
func newField(q int) (field, bool) {
	if isPrime(q) {
		return field{q: q, p: q}, true
	}
	for p := 2; p*p <= q; p++ {
		if p*p == q && isPrime(p) {
			for c := 2; c < p; c++ {
				square := false
				for y := 1; y < p; y++ {
					square = square || y*y%p == c
				}
				if !square {
					return field{q: q, p: p, nonResidue: c}, true
				}
			}
		}
	}
	return field{}, false
}

func isPrime(n int) bool {
	if n < 2 {
		return false
	}
	for d := 2; d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}

func (f field) split(u int) (a, b int) { return u % f.p, u / f.p }

func (f field) join(a, b int) int { return ((a%f.p+f.p)%f.p + ((b%f.p+f.p)%f.p)*f.p) }

func (f field) add(u, v int) int {
	a, b := f.split(u)
	c, d := f.split(v)
	return f.join(a+c, b+d)
}

func (f field) neg(u int) int {
	a, b := f.split(u)
	return f.join(-a, -b)
}

func (f field) mul(u, v int) int {
	a, b := f.split(u)
	c, d := f.split(v)
	return f.join(a*c+b*d%f.p*f.nonResidue, a*d+b*c)
}

func (f field) pow(u, e int) int {
	r := 1
	for range e {
		r = f.mul(r, u)
	}
	return r
}

// primitive returns a generator of the multiplicative group.
func (f field) primitive() int {
	for g := 2; g < f.q; g++ {
		x, order := g, 1
		for x != 1 {
			x = f.mul(x, g)
			order++
		}
		if order == f.q-1 {
			return g
		}
	}
	return 1 // GF(2)
}

// log returns e with g^e = u, for u ≠ 0 and g primitive.
func (f field) log(g, u int) int {
	x := 1
	for e := 0; e < f.q-1; e++ {
		if x == u {
			return e
		}
		x = f.mul(x, g)
	}
	panic("pairing: logarithm of zero")
}

// inv returns u⁻¹ for u ≠ 0.
func (f field) inv(u int) int { return f.pow(u, f.q-2) }
