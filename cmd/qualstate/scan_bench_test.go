package main

import (
	"context"
	"testing"

	"qualstate/bench/corpus"
	"qualstate/cfn"
	"qualstate/policy"
	"qualstate/policy/library"
)

// BenchmarkScanCorpus is `qualstate check` without output: parse and
// evaluate 100 generated templates of 20–60 resources against the built-in
// library, on every CPU.
func BenchmarkScanCorpus(b *testing.B) {
	dir := b.TempDir()
	st, err := corpus.Generate(dir, corpus.Options{Templates: 100, MinResources: 20, MaxResources: 60, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	set, err := library.Set()
	if err != nil {
		b.Fatal(err)
	}
	engine, err := policy.NewEngine(set)
	if err != nil {
		b.Fatal(err)
	}
	cands, err := findCandidates([]string{dir})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var findings int
	for b.Loop() {
		_, _, fs, err := scan(context.Background(), cands, scanOptions{parse: cfn.Options{}, engine: engine})
		if err != nil {
			b.Fatal(err)
		}
		findings = len(fs)
	}
	b.ReportMetric(float64(st.Templates*b.N)/b.Elapsed().Seconds(), "templates/s")
	b.ReportMetric(float64(findings*b.N)/b.Elapsed().Seconds(), "checks/s")
}
