package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"qualstate"
	"qualstate/sqlite"
)

// childEnv makes the test binary run the CLI instead of the tests, so a
// test can kill a real qualstate process.
const childEnv = "QUALSTATE_TEST_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	// No test reads or writes the records of whoever runs the tests.
	if os.Getenv(homeEnv) == "" {
		dir, err := os.MkdirTemp("", "qualstate-test-home-")
		if err != nil {
			panic(err)
		}
		os.Setenv(homeEnv, dir)
		code := m.Run()
		os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// snapshot is everything recorded about a run at one moment.
type snapshot struct {
	run      *qualstate.Run
	steps    []qualstate.Step
	cases    []qualstate.TestCase
	evidence []string
}

func takeSnapshot(t *testing.T, store qualstate.Store, id string) snapshot {
	t.Helper()
	ctx := t.Context()
	run, err := store.Run(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := store.Steps(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	cases, err := store.TestCases(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	evidence, err := store.RunEvidence(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return snapshot{run, steps, cases, evidence}
}

// killMidIQ starts a qualification in a child process, waits until it is
// deploying its stack (the sandbox slowed down so that takes a while),
// records what the store holds, and kills the process with SIGKILL.
func killMidIQ(t *testing.T, home string) snapshot {
	t.Helper()
	cmd := exec.Command(os.Args[0], "qualify", "../../qualify/testdata/stack.yaml",
		"-r", "../../qualify/testdata/requirements.yaml", "--home", home, "--sandbox-resource-delay", "500ms")
	cmd.Env = append(os.Environ(), childEnv+"=1", "AWS_ENDPOINT_URL=")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(home, storeFile)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("the run never reached deployment:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
		if _, err := os.Stat(dbPath); err != nil {
			continue
		}
		store, err := sqlite.Open(dbPath)
		if err != nil {
			continue
		}
		runs, err := store.Runs(t.Context(), qualstate.RunFilter{})
		if err != nil || len(runs) == 0 {
			store.Close()
			continue
		}
		snap := takeSnapshot(t, store, runs[0].ID)
		store.Close()
		deploying := false
		for _, s := range snap.steps {
			if s.Name == "deploy" && s.Status == qualstate.StepRunning && time.Since(s.Started) > 700*time.Millisecond {
				deploying = true
			}
		}
		if !deploying {
			continue
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		return snap
	}
}

// checkNothingLost proves that everything in the snapshot taken before the
// kill is still recorded, unchanged.
func checkNothingLost(t *testing.T, before, after snapshot) {
	t.Helper()
	if len(after.cases) < len(before.cases) || !reflect.DeepEqual(after.cases[:len(before.cases)], before.cases) {
		t.Errorf("test cases before the kill: %d, after: %d, or changed", len(before.cases), len(after.cases))
	}
	if len(after.evidence) < len(before.evidence) || !reflect.DeepEqual(after.evidence[:len(before.evidence)], before.evidence) {
		t.Errorf("evidence before the kill: %d, after: %d, or changed", len(before.evidence), len(after.evidence))
	}
	for i, s := range before.steps {
		if i >= len(after.steps) || after.steps[i].Name != s.Name || !after.steps[i].Started.Equal(s.Started) {
			t.Errorf("step %d (%s) lost or changed", s.Seq, s.Name)
		}
	}
}

func TestKilledRunIsAbandonedOrResumed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills qualstate processes")
	}
	t.Setenv("NO_COLOR", "1")
	t.Setenv("AWS_ENDPOINT_URL", "")
	for _, tt := range []struct {
		name string
		args func(id string) []string
		want qualstate.RunStatus
	}{
		{"abandon", func(id string) []string { return []string{"runs", "abandon", id, "--reason", "test"} }, qualstate.RunAbandoned},
		{"resume", func(id string) []string { return []string{"runs", "resume", id} }, qualstate.RunPassed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			before := killMidIQ(t, home)
			id := before.run.ID
			if before.run.Status != qualstate.RunRunning || len(before.cases) == 0 {
				t.Fatalf("before the kill: %s with %d test cases", before.run.Status, len(before.cases))
			}
			if code, stdout, stderr := cli(t, "runs", "list", "--home", home); code != exitOK || !strings.Contains(stdout, "interrupted") {
				t.Errorf("runs list exit %d, want the run interrupted:\n%s%s", code, stdout, stderr)
			}
			args := append(tt.args(id), "--home", home)
			code, stdout, stderr := cli(t, args...)
			if code != exitOK {
				t.Fatalf("%v: exit %d\n%s%s", args, code, stdout, stderr)
			}
			store, err := sqlite.Open(filepath.Join(home, storeFile))
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			after := takeSnapshot(t, store, id)
			checkNothingLost(t, before, after)
			if after.run.Status != tt.want {
				t.Errorf("status %s (%s), want %s", after.run.Status, after.run.Reason, tt.want)
			}
			for _, s := range after.steps {
				if s.Status == qualstate.StepRunning {
					t.Errorf("step %d %s still running", s.Seq, s.Name)
				}
			}
			// The stack is gone from the sandbox either way: abandoned, or
			// torn down at the end of the resumed run.
			tgt, err := startSandbox(t.Context(), filepath.Join(home, sandboxDir), targetFlags{})
			if err != nil {
				t.Fatal(err)
			}
			defer tgt.close()
			stack, _, err := tgt.cloud.DescribeStack(t.Context(), after.run.StackName)
			if err != nil || stack != nil {
				t.Errorf("stack %s after %s: %+v, %v", after.run.StackName, tt.name, stack, err)
			}
		})
	}
}
