package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"qualstate"
	"qualstate/aws"
	"qualstate/notify"
)

// webhookSecret signs the test's webhook deliveries.
const webhookSecret = "monitoring-test-secret-0123456789"

// monitoringHome qualifies the monitoring test stack against a standalone
// sandbox, deploys the qualified template as a production stack and
// returns the home, the run id, the sandbox's URL and a client of it.
func monitoringHome(t testing.TB, sandboxArgs ...string) (home, runID, url string, cloud *aws.Client) {
	t.Helper()
	t.Setenv("NO_COLOR", "1")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "qualstate")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "sandbox")
	t.Setenv("AWS_REGION", "us-east-1")
	url = startSandboxCommand(t, append([]string{"--data", t.TempDir()}, sandboxArgs...)...)
	home = t.TempDir()
	code, stdout, stderr := cli(t, "qualify", "testdata/monitoring/stack.yaml", "-r", "testdata/monitoring/requirements.yaml",
		"--home", home, "--endpoint-url", url, "--challenge", "none")
	if code != exitOK {
		t.Fatalf("qualify exit %d:\n%s%s", code, stdout, stderr)
	}
	m := regexp.MustCompile(`(?m)^run ([0-9a-f]{12}): passed`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no passed run in the output:\n%s", stdout)
	}
	cloud, err := aws.New(t.Context(), aws.Options{EndpointURL: url, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile("testdata/monitoring/stack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := cloud.Deploy(t.Context(), qualstate.DeployRequest{StackName: "records-prod", TemplateBody: body}); err != nil {
		t.Fatalf("deploying the production stack: %v", err)
	}
	return home, m[1], url, cloud
}

// physicalID returns the physical id of a stack's resource.
func physicalID(t testing.TB, cloud *aws.Client, stack, logicalID string) string {
	t.Helper()
	srs, _, err := cloud.StackResources(t.Context(), stack)
	if err != nil {
		t.Fatal(err)
	}
	for _, sr := range srs {
		if sr.LogicalID == logicalID {
			return sr.PhysicalID
		}
	}
	t.Fatalf("stack %s has no %s", stack, logicalID)
	return ""
}

// startMonitor runs `qualstate monitor` until the test ends; it returns
// once the monitor follows its event sources.
func startMonitor(t testing.TB, args ...string) *syncBuffer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	out := &syncBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, append([]string{"monitor"}, args...), strings.NewReader(""), out, w)
		w.Close()
	}()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil || !strings.Contains(line, "monitoring 1 instance") || !strings.Contains(line, "1 source") {
		cancel()
		t.Fatalf("monitor did not start: %q %v; stdout: %s", line, err, out.String())
	}
	go io.Copy(io.Discard, r)
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-exited:
			if code != exitOK {
				t.Errorf("monitor exited %d; stdout: %s", code, out.String())
			}
		case <-time.After(20 * time.Second):
			t.Error("monitor did not stop")
		}
	})
	return out
}

// syncBuffer is a buffer the monitor writes to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The monitoring acceptance scenario: qualify, deploy, register; an
// out-of-band change through Cloud Control becomes an open deviation
// through the event path, a signed notification reaches a webhook
// receiver, auto-remediation restores the resource, the deviation closes
// itself, and all of it is in the audited record.
func TestMonitorEndToEnd(t *testing.T) {
	home, runID, url, cloud := monitoringHome(t)
	ctx := t.Context()

	t.Run("a stack running another template is refused", func(t *testing.T) {
		body, err := os.ReadFile("testdata/monitoring/stack.yaml")
		if err != nil {
			t.Fatal(err)
		}
		other := strings.Replace(string(body), "Records bucket and queue", "Records bucket and queue, changed", 1)
		if _, _, err := cloud.Deploy(ctx, qualstate.DeployRequest{StackName: "records-other", TemplateBody: []byte(other)}); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := cli(t, "instance", "register", "--stack", "records-other", "--run", runID, "--home", home, "--endpoint-url", url)
		if code != exitInput || !strings.Contains(stderr, "only the qualified template can be registered") {
			t.Fatalf("register of another template: exit %d\n%s%s", code, stdout, stderr)
		}
	})

	code, stdout, stderr := cli(t, "instance", "register", "--stack", "records-prod", "--run", runID, "--home", home, "--endpoint-url", url)
	if code != exitOK || !strings.Contains(stdout, "instance records-prod registered") || !strings.Contains(stdout, "status: qualified") {
		t.Fatalf("register: exit %d\n%s%s", code, stdout, stderr)
	}

	receiver := &notify.Receiver{Secret: webhookSecret}
	hook := httptest.NewServer(receiver)
	t.Cleanup(hook.Close)
	for _, kv := range [][2]string{
		{"notify.webhook.url", hook.URL}, {"notify.webhook.secret", webhookSecret},
		{"treat.drift", "auto"}, {"treat.grace", "0s"},
	} {
		if code, stdout, stderr := cli(t, "config", "set", kv[0], kv[1], "--home", home); code != exitOK {
			t.Fatalf("config set %s: exit %d\n%s%s", kv[0], code, stdout, stderr)
		}
	}
	out := startMonitor(t, "--home", home, "--endpoint-url", url, "--schedule", "@every 1h")

	bucket := physicalID(t, cloud, "records-prod", "Records")
	changed := time.Now()
	if _, err := cloud.UpdateResource(ctx, "AWS::S3::Bucket", bucket,
		[]qualstate.PatchOp{{Op: "add", Path: "/VersioningConfiguration", Value: map[string]any{"Status": "Suspended"}}}); err != nil {
		t.Fatal(err)
	}
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	opened, err := receiver.Wait(wait, func(n qualstate.Notification) bool {
		return n.Event == "deviation.opened" && n.Deviation != nil && n.Deviation.LogicalID == "Records" && n.Deviation.Kind == qualstate.DeviationCheck
	})
	if err != nil {
		t.Fatalf("no deviation.opened notification: %v\nmonitor output:\n%s", err, out.String())
	}
	t.Logf("change -> deviation recorded -> notification delivered: %s", time.Since(changed).Round(time.Millisecond))
	d := opened.Deviation
	if !strings.HasPrefix(d.Trigger, "event ") || d.RequirementID != "T.S3.VERSIONING" {
		t.Errorf("deviation %s: trigger %q, requirement %q; want the event path and T.S3.VERSIONING", d.ID, d.Trigger, d.RequirementID)
	}
	closed, err := receiver.Wait(wait, func(n qualstate.Notification) bool {
		return n.Event == "deviation.closed" && n.Deviation != nil && n.Deviation.ID == d.ID
	})
	if err != nil {
		t.Fatalf("deviation %s did not close: %v\nmonitor output:\n%s", d.ID, err, out.String())
	}
	if closed.Deviation.State != qualstate.DeviationClosed {
		t.Errorf("deviation %s is %s after its closing notification", d.ID, closed.Deviation.State)
	}
	// The same change drifted the property from the baseline. Both
	// deviations are treated automatically (drift mode auto, the
	// requirement's remediation auto); whichever is applied first
	// restores the bucket, and the re-verification closes both.
	code, stdout, stderr = cli(t, "deviations", "list", "--all", "--format", "json", "--home", home)
	var all []qualstate.Deviation
	if err := json.Unmarshal([]byte(stdout), &all); code != exitOK || err != nil {
		t.Fatalf("deviations list: exit %d %v\n%s%s", code, err, stdout, stderr)
	}
	var treated []string
	for _, dv := range all {
		if dv.LogicalID != "Records" {
			continue
		}
		var actions []string
		for _, h := range dv.History {
			actions = append(actions, h.Action)
		}
		got := strings.Join(actions, ",")
		if dv.State != qualstate.DeviationClosed {
			t.Errorf("deviation %s of Records is %s (%s), want closed", dv.ID, dv.State, got)
		}
		if got == "opened,treated,closed" {
			treated = append(treated, dv.ID)
		}
	}
	if len(treated) == 0 {
		t.Errorf("no deviation of Records was opened, treated and closed: %+v", all)
	}
	live, _, err := cloud.GetResource(ctx, "AWS::S3::Bucket", bucket)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := live.Properties["VersioningConfiguration"].(map[string]any); v["Status"] != "Enabled" {
		t.Errorf("after remediation the bucket's versioning is %v, want Enabled", live.Properties["VersioningConfiguration"])
	}

	// The record: the deviation with its evidence, the audit trail of
	// every step, and a trail that verifies.
	code, stdout, stderr = cli(t, "deviations", "show", d.ID, "--format", "json", "--home", home)
	if code != exitOK {
		t.Fatalf("deviations show: exit %d\n%s%s", code, stdout, stderr)
	}
	var shown qualstate.Deviation
	if err := json.Unmarshal([]byte(stdout), &shown); err != nil {
		t.Fatal(err)
	}
	if shown.State != qualstate.DeviationClosed || len(shown.Evidence) < 2 {
		t.Errorf("deviation %s recorded as %s with %d pieces of evidence; want closed, with the reads that opened and closed it", d.ID, shown.State, len(shown.Evidence))
	}
	code, stdout, _ = cli(t, "audit", "log", "--subject", "deviation/"+d.ID, "--home", home)
	for _, want := range []string{"deviation.opened", "deviation.updated"} {
		if code != exitOK || !strings.Contains(stdout, want) {
			t.Errorf("audit log of deviation/%s lacks %s:\n%s", d.ID, want, stdout)
		}
	}
	if code, stdout, stderr := cli(t, "audit", "verify", "--home", home); code != exitOK {
		t.Errorf("audit verify: exit %d\n%s%s", code, stdout, stderr)
	}
}

// On AWS, change events reach the monitor through EventBridge and SQS; the
// sandbox feeds a queue the same way, and the monitor reads only it.
func TestMonitorQueuePath(t *testing.T) {
	home, runID, url, cloud := monitoringHome(t, "--event-queue", "qs-events")
	if code, stdout, stderr := cli(t, "instance", "register", "--stack", "records-prod", "--run", runID, "--home", home, "--endpoint-url", url); code != exitOK {
		t.Fatalf("register: exit %d\n%s%s", code, stdout, stderr)
	}
	receiver := &notify.Receiver{Secret: webhookSecret}
	hook := httptest.NewServer(receiver)
	t.Cleanup(hook.Close)
	for _, kv := range [][2]string{{"notify.webhook.url", hook.URL}, {"notify.webhook.secret", webhookSecret}} {
		if code, stdout, stderr := cli(t, "config", "set", kv[0], kv[1], "--home", home); code != exitOK {
			t.Fatalf("config set %s: exit %d\n%s%s", kv[0], code, stdout, stderr)
		}
	}
	queueURL := url + "/123456789012/qs-events"
	// What deploying and registering put in the queue is not for this
	// monitor: drain it first.
	q := cloud.Queue(queueURL)
	for {
		msgs, err := q.Receive(t.Context(), 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 0 {
			break
		}
		if err := q.Delete(t.Context(), msgs); err != nil {
			t.Fatal(err)
		}
	}
	out := startMonitor(t, "--home", home, "--endpoint-url", url, "--queue", queueURL, "--schedule", "@every 1h")
	queue := physicalID(t, cloud, "records-prod", "Events")
	if _, err := cloud.UpdateResource(t.Context(), "AWS::SQS::Queue", queue,
		[]qualstate.PatchOp{{Op: "replace", Path: "/MessageRetentionPeriod", Value: 60}}); err != nil {
		t.Fatal(err)
	}
	wait, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	n, err := receiver.Wait(wait, func(n qualstate.Notification) bool {
		return n.Event == "deviation.opened" && n.Deviation != nil && n.Deviation.RequirementID == "T.SQS.RETENTION"
	})
	if err != nil {
		t.Fatalf("no deviation through the queue: %v\nmonitor output:\n%s", err, out.String())
	}
	if !strings.HasPrefix(n.Deviation.Trigger, "event ") {
		t.Errorf("deviation %s triggered by %q, want an event", n.Deviation.ID, n.Deviation.Trigger)
	}
}

// monitor --once is for cron and CI: exit 0 in the qualified state, 1 out
// of it.
func TestMonitorOnce(t *testing.T) {
	home, runID, url, cloud := monitoringHome(t)
	if code, stdout, stderr := cli(t, "instance", "register", "--stack", "records-prod", "--run", runID, "--home", home, "--endpoint-url", url); code != exitOK {
		t.Fatalf("register: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr := cli(t, "monitor", "--once", "--home", home, "--endpoint-url", url)
	if code != exitOK || !strings.Contains(stdout, "qualified") {
		t.Fatalf("monitor --once in the qualified state: exit %d\n%s%s", code, stdout, stderr)
	}
	// Drift that no check sees: a tag changed. Proposed, not applied.
	bucket := physicalID(t, cloud, "records-prod", "Records")
	if _, err := cloud.UpdateResource(t.Context(), "AWS::S3::Bucket", bucket,
		[]qualstate.PatchOp{{Op: "replace", Path: "/Tags/0/Value", Value: "someone-else"}}); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = cli(t, "monitor", "--once", "--home", home, "--endpoint-url", url)
	if code != exitFindings || !strings.Contains(stdout, "drifted") {
		t.Fatalf("monitor --once after drift: exit %d, want %d and drifted\n%s%s", code, exitFindings, stdout, stderr)
	}
	code, stdout, _ = cli(t, "deviations", "list", "--format", "json", "--home", home)
	var devs []qualstate.Deviation
	if err := json.Unmarshal([]byte(stdout), &devs); code != exitOK || err != nil || len(devs) != 1 {
		t.Fatalf("deviations list: exit %d, %v, %d deviations:\n%s", code, err, len(devs), stdout)
	}
	d := devs[0]
	if d.Kind != qualstate.DeviationDrift || d.Path != "/Tags" || !strings.Contains(d.Actual, "someone-else") {
		t.Errorf("deviation %+v: want drift of /Tags showing the new value", d)
	}
	t.Run("treat --dry-run changes nothing", func(t *testing.T) {
		code, stdout, stderr := cli(t, "treat", "--dry-run", "--home", home, "--endpoint-url", url)
		if code != exitOK || !strings.Contains(stdout, d.ID) || !strings.Contains(stdout, "mode propose") {
			t.Fatalf("treat --dry-run: exit %d\n%s%s", code, stdout, stderr)
		}
		live, _, err := cloud.GetResource(t.Context(), "AWS::S3::Bucket", bucket)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(mustJSON(t, live.Properties["Tags"]), "someone-else") {
			t.Error("a dry run changed the bucket")
		}
	})
	t.Run("acknowledge, then a person applies the proposal", func(t *testing.T) {
		if code, stdout, stderr := cli(t, "deviations", "ack", d.ID, "--note", "looking", "--home", home); code != exitOK {
			t.Fatalf("ack: exit %d\n%s%s", code, stdout, stderr)
		}
		code, stdout, stderr := cli(t, "treat", d.ID, "--apply", "--home", home, "--endpoint-url", url)
		if code != exitOK || !strings.Contains(stdout, "back in the qualified state") {
			t.Fatalf("treat --apply: exit %d\n%s%s", code, stdout, stderr)
		}
		code, stdout, stderr = cli(t, "monitor", "--once", "--home", home, "--endpoint-url", url)
		if code != exitOK {
			t.Fatalf("monitor --once after the remediation: exit %d\n%s%s", code, stdout, stderr)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// BenchmarkEventToNotification measures the event path end to end: an
// out-of-band change through Cloud Control, the sandbox's event log, the
// evaluation of the resource it touched, the deviation recorded and the
// signed notification delivered to a webhook receiver. Each iteration
// makes 200 changes, alternating between breaking and restoring a queue's
// retention, and reports the 50th and 99th percentile latencies.
func BenchmarkEventToNotification(b *testing.B) {
	for range b.N {
		benchEventPath(b)
	}
}

func benchEventPath(b *testing.B) {
	b.Helper()
	tb := testing.TB(b)
	home, runID, url, cloud := monitoringHome(tb)
	if code, stdout, stderr := cli(tb, "instance", "register", "--stack", "records-prod", "--run", runID, "--home", home, "--endpoint-url", url); code != exitOK {
		b.Fatalf("register: exit %d\n%s%s", code, stdout, stderr)
	}
	receiver := &notify.Receiver{Secret: webhookSecret}
	hook := httptest.NewServer(receiver)
	defer hook.Close()
	for _, kv := range [][2]string{{"notify.webhook.url", hook.URL}, {"notify.webhook.secret", webhookSecret}, {"notify.webhook.events", "deviation.*"}} {
		if code, stdout, stderr := cli(tb, "config", "set", kv[0], kv[1], "--home", home); code != exitOK {
			b.Fatalf("config set: exit %d\n%s%s", code, stdout, stderr)
		}
	}
	startMonitor(tb, "--home", home, "--endpoint-url", url, "--schedule", "@every 1h")
	queue := physicalID(tb, cloud, "records-prod", "Events")
	var lat []time.Duration
	b.ResetTimer()
	for i := range 200 {
		value, event := int64(60), "deviation.opened"
		if i%2 == 1 {
			value, event = 604800, "deviation.closed"
		}
		start := time.Now()
		if _, err := cloud.UpdateResource(b.Context(), "AWS::SQS::Queue", queue,
			[]qualstate.PatchOp{{Op: "replace", Path: "/MessageRetentionPeriod", Value: value}}); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(b.Context(), 30*time.Second)
		_, err := receiver.Wait(ctx, func(n qualstate.Notification) bool {
			return n.Event == event && n.Deviation != nil && n.Deviation.LogicalID == "Events" && n.Time.After(start)
		})
		cancel()
		if err != nil {
			b.Fatalf("change %d: no %s: %v", i, event, err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
}
