// Command harness measures `qualstate check` over a generated corpus: wall
// time, templates/s, resource-checks/s and peak RSS of the real binary.
//
//	go run ./bench/harness -templates 1000 -seed 1 -runs 3
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"time"

	"qualstate/bench/corpus"
)

func main() {
	var (
		templates = flag.Int("templates", 1000, "templates in the corpus")
		minRes    = flag.Int("min", 20, "resources per template, at least")
		maxRes    = flag.Int("max", 60, "resources per template, at most")
		seed      = flag.Uint64("seed", 1, "corpus seed")
		runs      = flag.Int("runs", 3, "timed runs (the median is reported)")
		reqs      = flag.String("requirements", "builtin", "requirement set to check against")
	)
	flag.Parse()
	if err := run(*templates, *minRes, *maxRes, *seed, *runs, *reqs); err != nil {
		fmt.Fprintln(os.Stderr, "harness:", err)
		os.Exit(1)
	}
}

// measurement is one timed run of the binary.
type measurement struct {
	wall     time.Duration
	cpu      time.Duration
	maxRSSKB int64
}

func run(templates, minRes, maxRes int, seed uint64, runs int, reqs string) error {
	work, err := os.MkdirTemp("", "qualstate-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	dir := filepath.Join(work, "corpus")
	st, err := corpus.Generate(dir, corpus.Options{Templates: templates, MinResources: minRes, MaxResources: maxRes, Seed: seed})
	if err != nil {
		return err
	}
	bin := filepath.Join(work, "qualstate")
	build := exec.Command("go", "build", "-o", bin, "./cmd/qualstate")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building qualstate: %w", err)
	}

	// The JSON report tells how many resource-checks there were.
	jsonOut := filepath.Join(work, "report.json")
	if _, err := timeRun(bin, "check", dir, "--requirements", reqs, "--format", "json", "--output", jsonOut); err != nil {
		return err
	}
	findings, err := countFindings(jsonOut)
	if err != nil {
		return err
	}
	fmt.Printf("corpus: %d templates, %d resources, %.1f MB, %d resource-checks (seed %d)\n",
		st.Templates, st.Resources, float64(st.Bytes)/1e6, findings, seed)
	fmt.Printf("machine: %d CPUs, %s/%s\n\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Println("| format | runs | wall (median) | wall (min..max) | CPU | templates/s | resource-checks/s | peak RSS |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, format := range []string{"text", "json", "sarif", "junit"} {
		out := filepath.Join(work, "report."+format)
		var ms []measurement
		for range runs {
			m, err := timeRun(bin, "check", dir, "--requirements", reqs, "--format", format, "--output", out)
			if err != nil {
				return err
			}
			ms = append(ms, m)
		}
		slices.SortFunc(ms, func(a, b measurement) int { return int(a.wall - b.wall) })
		med := ms[len(ms)/2]
		secs := med.wall.Seconds()
		fmt.Printf("| %s | %d | %.2f s | %.2f..%.2f s | %.2f s | %.0f | %.0f | %.0f MB |\n",
			format, runs, secs, ms[0].wall.Seconds(), ms[len(ms)-1].wall.Seconds(), med.cpu.Seconds(),
			float64(st.Templates)/secs, float64(findings)/secs, float64(med.maxRSSKB)/1024)
	}
	return nil
}

// timeRun runs the binary once; exit status 1 (findings) is expected.
func timeRun(bin string, args ...string) (measurement, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			return measurement{}, fmt.Errorf("qualstate %v: %w", args, err)
		}
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	m := measurement{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	if ru != nil {
		m.maxRSSKB = ru.Maxrss // kilobytes on Linux
	}
	return m, nil
}

// countFindings reads the number of findings (resource-checks) from a JSON
// report.
func countFindings(path string) (int, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var r struct {
		Findings []json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return 0, fmt.Errorf("reading %s: %w", path, err)
	}
	return len(r.Findings), nil
}
