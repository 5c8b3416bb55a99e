package intern

import (
	"strconv"
	"testing"
	"unsafe"
)

func same(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }

func TestBytesSharesOneCopy(t *testing.T) {
	tb := New(10)
	a := tb.Bytes([]byte("prod"))
	b := tb.Bytes([]byte("prod"))
	if a != "prod" || !same(a, b) {
		t.Fatalf("not shared: %q %q", a, b)
	}
	if c := tb.String(string([]byte("prod"))); !same(a, c) {
		t.Fatal("String does not return the held copy")
	}
	if n := testing.AllocsPerRun(100, func() { tb.Bytes([]byte("prod")) }); n != 0 {
		t.Fatalf("%v allocations for a held string", n)
	}
}

func TestBounded(t *testing.T) {
	tb := New(100)
	for i := range 10_000 {
		tb.Bytes([]byte(strconv.Itoa(i)))
		if tb.Len() > 200 {
			t.Fatalf("holds %d strings, limit 2*100", tb.Len())
		}
	}
}

func TestRecentStringsSurviveARotation(t *testing.T) {
	tb := New(3)
	a := tb.Bytes([]byte("a"))
	tb.Bytes([]byte("b"))
	tb.Bytes([]byte("c"))
	tb.Bytes([]byte("d")) // rotates: a, b, c are the previous generation
	if got := tb.Bytes([]byte("a")); !same(got, a) {
		t.Fatal("a string of the previous generation was copied again")
	}
}
