package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	cctypes "github.com/aws/aws-sdk-go-v2/service/cloudcontrol/types"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// cliTimeout bounds one AWS CLI invocation; deploy waits for a change set
// and a stack inside one.
const cliTimeout = 60 * time.Second

// cliResult is what one AWS CLI invocation produced.
type cliResult struct {
	stdout []byte
	stderr string
	code   int
}

// cli runs the AWS CLI against the clients' endpoint: `aws
// [--endpoint-url URL] --region R --output json args...`. Against an
// endpoint it runs with a clean environment: the clients' static keys,
// empty config and credentials files, no pager. Against real AWS it
// inherits the environment (the credential chain).
func (c *clients) cli(t *testing.T, args ...string) cliResult {
	t.Helper()
	path := c.requireCLI(t)
	full := []string{"--region", c.region, "--output", "json"}
	env := append(os.Environ(), "AWS_PAGER=")
	if c.kind != realAWS {
		full = append([]string{"--endpoint-url", c.endpoint}, full...)
		dir := t.TempDir()
		for _, f := range []string{"config", "credentials"} {
			if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		env = []string{
			"AWS_ACCESS_KEY_ID=" + c.accessKey,
			"AWS_SECRET_ACCESS_KEY=" + c.secretKey,
			"AWS_CONFIG_FILE=" + filepath.Join(dir, "config"),
			"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "credentials"),
			"AWS_PAGER=",
			"AWS_EC2_METADATA_DISABLED=true",
			"AWS_RETRY_MODE=standard",
			"AWS_MAX_ATTEMPTS=2",
		}
		// What the CLI itself needs to start: PATH, HOME, locale, and the
		// Python version manager's variables when it is installed that way.
		for _, kv := range os.Environ() {
			k, _, _ := strings.Cut(kv, "=")
			if k == "PATH" || k == "HOME" || k == "LANG" || k == "LC_ALL" || k == "TMPDIR" || strings.HasPrefix(k, "PYENV") {
				env = append(env, kv)
			}
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append(full, args...)...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := cliResult{stdout: stdout.Bytes(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("aws %s: no answer within %v; stderr: %s", strings.Join(args, " "), cliTimeout, res.stderr)
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
	}
	return res
}

// requireCLI returns the path of `aws`; without it on PATH it skips t,
// or fails it when CI is set (CI machines ship the CLI).
func (c *clients) requireCLI(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the AWS CLI is not on PATH: %v", err)
		}
		t.Skipf("the AWS CLI is not on PATH: %v", err)
	}
	return path
}

// cliJSON runs the CLI, fails t unless it exits 0, and decodes its JSON
// output into v (if v is not nil).
func (c *clients) cliJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	r := c.cli(t, args...)
	if r.code != 0 {
		t.Fatalf("aws %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	if v != nil {
		if err := json.Unmarshal(r.stdout, v); err != nil {
			t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, r.stdout)
		}
	}
}

// cliStack is the part of describe-stacks output the tests read.
type cliStack struct {
	StackID     string `json:"StackId"`
	StackName   string
	StackStatus string
	Outputs     []struct{ OutputKey, OutputValue, ExportName string }
}

// cliWaitStack polls `describe-stacks` until the stack settles (the CLI's
// own waiters poll every 30 s) and returns it; nil means it is gone.
func (c *clients) cliWaitStack(t *testing.T, name string) *cliStack {
	t.Helper()
	var s *cliStack
	c.poll(t, "aws cloudformation describe-stacks "+name, func() (bool, error) {
		r := c.cli(t, "cloudformation", "describe-stacks", "--stack-name", name)
		if r.code != 0 {
			if strings.Contains(r.stderr, "does not exist") {
				s = nil
				return true, nil
			}
			return false, errors.New(r.stderr)
		}
		var out struct{ Stacks []cliStack }
		if err := json.Unmarshal(r.stdout, &out); err != nil || len(out.Stacks) != 1 {
			return false, errors.New("unexpected describe-stacks output: " + string(r.stdout))
		}
		s = &out.Stacks[0]
		return !inProgress(cfntypes.StackStatus(s.StackStatus)), nil
	})
	return s
}

// TestCLI drives the endpoint with the AWS CLI (botocore), a client
// written independently of the SDK the other tests use.
func TestCLI(t *testing.T) {
	t.Parallel()
	c := newClients(t)
	c.requireCLI(t)

	t.Run("sts get-caller-identity", func(t *testing.T) {
		t.Parallel()
		var id struct{ Account, Arn, UserId string }
		c.cliJSON(t, &id, "sts", "get-caller-identity")
		if !accountRE.MatchString(id.Account) || !arnRE.MatchString(id.Arn) || id.UserId == "" {
			t.Errorf("get-caller-identity = %+v, want a 12-digit account, an ARN and a user id", id)
		}
	})

	t.Run("validate-template", func(t *testing.T) {
		t.Parallel()
		var out struct {
			Description  string
			Capabilities []string
			Parameters   []struct {
				ParameterKey, DefaultValue string
				NoEcho                     bool
			}
		}
		c.cliJSON(t, &out, "cloudformation", "validate-template", "--template-body", fileURL(t, "validate.yaml"))
		if !slices.Equal(out.Capabilities, []string{"CAPABILITY_IAM"}) || len(out.Parameters) != 2 || !strings.HasPrefix(out.Description, "qualstate conformance") {
			t.Errorf("validate-template = %+v", out)
		}
		for _, p := range out.Parameters {
			if p.ParameterKey == "DatabasePassword" && !p.NoEcho {
				t.Error("DatabasePassword: NoEcho false")
			}
			if p.ParameterKey == "Environment" && p.DefaultValue != "test" {
				t.Errorf("Environment default = %q", p.DefaultValue)
			}
		}
	})

	t.Run("stack lifecycle", func(t *testing.T) {
		t.Parallel()
		name := c.stackName(t, "cli")
		var created struct{ StackId string }
		c.cliJSON(t, &created, "cloudformation", "create-stack", "--stack-name", name,
			"--template-body", fileURL(t, "cli.yaml"), "--parameters", "ParameterKey=Prefix,ParameterValue="+name)
		if !arnRE.MatchString(created.StackId) {
			t.Errorf("create-stack StackId = %q", created.StackId)
		}

		s := c.cliWaitStack(t, name)
		if s == nil || s.StackStatus != "CREATE_COMPLETE" || s.StackID != created.StackId {
			t.Fatalf("describe-stacks = %+v, want CREATE_COMPLETE", s)
		}
		topicArn := ""
		for _, o := range s.Outputs {
			if o.OutputKey == "TopicArn" {
				topicArn = o.OutputValue
			}
		}
		if !arnRE.MatchString(topicArn) {
			t.Errorf("output TopicArn = %q", topicArn)
		}

		var res struct {
			StackResources []struct{ LogicalResourceId, PhysicalResourceId, ResourceType, ResourceStatus string }
		}
		c.cliJSON(t, &res, "cloudformation", "describe-stack-resources", "--stack-name", name)
		if len(res.StackResources) != 2 {
			t.Errorf("describe-stack-resources: %d resources, want 2", len(res.StackResources))
		}
		for _, r := range res.StackResources {
			if r.ResourceStatus != "CREATE_COMPLETE" || r.PhysicalResourceId == "" {
				t.Errorf("%s: %s %q", r.LogicalResourceId, r.ResourceStatus, r.PhysicalResourceId)
			}
		}

		var exports struct {
			Exports []struct{ Name, Value, ExportingStackId string }
		}
		c.cliJSON(t, &exports, "cloudformation", "list-exports")
		found := false
		for _, e := range exports.Exports {
			found = found || (e.Name == name+"-topic-arn" && e.Value == topicArn && e.ExportingStackId == created.StackId)
		}
		if !found {
			t.Errorf("list-exports has no %s-topic-arn = %s", name, topicArn)
		}

		var det struct{ StackDriftDetectionId string }
		c.cliJSON(t, &det, "cloudformation", "detect-stack-drift", "--stack-name", name)
		var st struct{ DetectionStatus, StackDriftStatus string }
		c.poll(t, "drift detection", func() (bool, error) {
			c.cliJSON(t, &st, "cloudformation", "describe-stack-drift-detection-status", "--stack-drift-detection-id", det.StackDriftDetectionId)
			return st.DetectionStatus != "DETECTION_IN_PROGRESS", nil
		})
		if st.DetectionStatus != "DETECTION_COMPLETE" || st.StackDriftStatus != "IN_SYNC" {
			t.Errorf("drift detection = %+v, want DETECTION_COMPLETE, IN_SYNC", st)
		}

		c.cliJSON(t, nil, "cloudformation", "delete-stack", "--stack-name", name)
		c.waitStack(t, name, cfntypes.StackStatusDeleteComplete)
	})

	t.Run("deploy", func(t *testing.T) {
		t.Parallel()
		name := c.stackName(t, "deploy")
		deploy := func(overrides ...string) cliResult {
			args := []string{"cloudformation", "deploy", "--template-file", absFixture(t, "cli.yaml"), "--stack-name", name,
				"--capabilities", "CAPABILITY_IAM", "--no-fail-on-empty-changeset", "--parameter-overrides", "Prefix=" + name}
			return c.cli(t, append(args, overrides...)...)
		}
		for _, tc := range []struct {
			name      string
			overrides []string
			output    string
			status    cfntypes.StackStatus
		}{
			{"creates", nil, "Successfully created/updated stack - " + name, cfntypes.StackStatusCreateComplete},
			{"without changes", nil, "No changes to deploy", cfntypes.StackStatusCreateComplete},
			{"updates", []string{"RetentionInDays=14"}, "Successfully created/updated stack - " + name, cfntypes.StackStatusUpdateComplete},
		} {
			step(t, tc.name, func(t *testing.T) {
				r := deploy(tc.overrides...)
				if r.code != 0 || !strings.Contains(string(r.stdout), tc.output) {
					t.Fatalf("deploy: exit %d, stdout %q, stderr %q; want 0 and %q", r.code, r.stdout, r.stderr, tc.output)
				}
				c.waitStack(t, name, tc.status)
			})
		}
		expect(t, "log group", c.ccGet(t, "AWS::Logs::LogGroup", name+"-logs"), check{"/RetentionInDays", equal(14)})
	})

	t.Run("cloudcontrol", func(t *testing.T) {
		t.Parallel()
		const lg = "AWS::Logs::LogGroup"
		name := uniqueName(t, "clicc")
		c.cleanupResource(t, lg, name)
		// Created through the SDK; read and changed through the CLI.
		desired, _ := json.Marshal(map[string]any{"LogGroupName": name, "RetentionInDays": 7})
		created, err := c.cc.CreateResource(t.Context(), &cloudcontrol.CreateResourceInput{TypeName: aws.String(lg), DesiredState: aws.String(string(desired))})
		if err != nil {
			t.Fatalf("CreateResource: %v", err)
		}
		c.waitRequestSuccess(t, created.ProgressEvent)

		var got struct {
			TypeName            string
			ResourceDescription struct{ Identifier, Properties string }
		}
		c.cliJSON(t, &got, "cloudcontrol", "get-resource", "--type-name", lg, "--identifier", name)
		if got.TypeName != lg || got.ResourceDescription.Identifier != name {
			t.Errorf("get-resource = %+v", got)
		}
		var model map[string]any
		if err := json.Unmarshal([]byte(got.ResourceDescription.Properties), &model); err != nil {
			t.Fatalf("get-resource: Properties is not JSON: %v", err)
		}
		expect(t, "get-resource", model, check{"/LogGroupName", equal(name)}, check{"/RetentionInDays", equal(7)})

		var up struct {
			ProgressEvent struct{ RequestToken, Operation string }
		}
		c.cliJSON(t, &up, "cloudcontrol", "update-resource", "--type-name", lg, "--identifier", name,
			"--patch-document", `[{"op":"replace","path":"/RetentionInDays","value":30}]`)
		if up.ProgressEvent.Operation != "UPDATE" || up.ProgressEvent.RequestToken == "" {
			t.Fatalf("update-resource = %+v", up)
		}
		c.waitRequestSuccess(t, &cctypes.ProgressEvent{RequestToken: aws.String(up.ProgressEvent.RequestToken)})
		expect(t, "after update-resource", c.ccGet(t, lg, name), check{"/RetentionInDays", equal(30)})
	})

	t.Run("error from a missing stack", func(t *testing.T) {
		t.Parallel()
		r := c.cli(t, "cloudformation", "describe-stacks", "--stack-name", uniqueName(t, "missing"))
		if r.code != 254 && r.code != 255 {
			t.Errorf("exit code %d, want 254 or 255", r.code)
		}
		if !strings.Contains(r.stderr, "ValidationError") || !strings.Contains(r.stderr, "does not exist") {
			t.Errorf("stderr %q, want ValidationError … does not exist", r.stderr)
		}
	})
}

// fileURL is the file:// URL of a fixture, for --template-body.
func fileURL(t *testing.T, name string) string {
	t.Helper()
	return "file://" + absFixture(t, name)
}

// absFixture is the absolute path of testdata/conformance/name.
func absFixture(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(fixture(name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
