package cfn

import (
	"os"
	"testing"
)

// benchmarkParse measures Parse of a template in testdata/bench: resources
// in groups of five (a key, a bucket encrypted with it, its policy, a log
// group and a role) that refer to each other as real stacks do.
func benchmarkParse(b *testing.B, file string) {
	body, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := Parse(file, body, Options{}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(file, body, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse20(b *testing.B)     { benchmarkParse(b, "testdata/bench/resources-20.yaml") }
func BenchmarkParse60(b *testing.B)     { benchmarkParse(b, "testdata/bench/resources-60.yaml") }
func BenchmarkParse60JSON(b *testing.B) { benchmarkParse(b, "testdata/bench/resources-60.json") }

// BenchmarkResolve60 measures resolution alone, which a deployment repeats
// as resources come into being.
func BenchmarkResolve60(b *testing.B) {
	body, err := os.ReadFile("testdata/bench/resources-60.yaml")
	if err != nil {
		b.Fatal(err)
	}
	d, err := Load("resources-60.yaml", body)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Resolve(Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
