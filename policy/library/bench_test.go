package library

import (
	"testing"

	"qualstate/policy"
)

// BenchmarkLoadSet measures reading and decoding the embedded requirement
// files, what the first Set call costs.
func BenchmarkLoadSet(b *testing.B) {
	for b.Loop() {
		if _, err := policy.LoadFS(FS(), "."); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileSet measures compiling every check of the library.
func BenchmarkCompileSet(b *testing.B) {
	set := mustSet(b)
	for b.Loop() {
		if _, err := policy.NewEngine(set); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateRecordsStack measures evaluating the whole library on
// the records stack, reported per finding as well.
func BenchmarkEvaluateRecordsStack(b *testing.B) {
	tpl := recordsStack(b)
	e, err := policy.NewEngine(mustSet(b))
	if err != nil {
		b.Fatal(err)
	}
	scope := policy.Scope{Resources: tpl.Resources}
	n := 0
	for b.Loop() {
		n = len(e.Evaluate(scope))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/finding")
}

// BenchmarkParseFrameworks measures parsing every framework catalog.
func BenchmarkParseFrameworks(b *testing.B) {
	for b.Loop() {
		if _, err := readFrameworks(frameworkFiles, frameworksDir); err != nil {
			b.Fatal(err)
		}
	}
}
