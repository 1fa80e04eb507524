package aws_test

import (
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"qualstate"
	"qualstate/aws"
	"qualstate/sandbox"
)

func TestEnvironment(t *testing.T) {
	isolate(t)
	_, srv := startSandbox(t, sandbox.Options{}, nil)
	for _, tc := range []struct {
		name string
		opts func(*aws.Options)
		want qualstate.Environment
	}{
		{"defaults", func(*aws.Options) {},
			qualstate.Environment{Name: "aws", Endpoint: srv.URL, Account: "123456789012", Region: "us-east-1", Partition: "aws"}},
		{"named", func(o *aws.Options) { o.EnvName = "sandbox" },
			qualstate.Environment{Name: "sandbox", Endpoint: srv.URL, Account: "123456789012", Region: "us-east-1", Partition: "aws"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := newClient(t, srv.URL, tc.opts).Environment(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Environment = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestEnvironmentFromVariables: region and endpoint come from the SDK's
// own variables when the options leave them out.
func TestEnvironmentFromVariables(t *testing.T) {
	isolate(t)
	_, srv := startSandbox(t, sandbox.Options{Account: "210987654321", Region: "eu-west-1"}, nil)
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	c, err := aws.New(t.Context(), aws.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Environment(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := qualstate.Environment{Name: "aws", Endpoint: srv.URL, Account: "210987654321", Region: "eu-west-1", Partition: "aws"}
	if got != want {
		t.Errorf("Environment = %+v, want %+v", got, want)
	}
}

// TestProfile: credentials and region from a named profile of the shared
// files.
func TestProfile(t *testing.T) {
	isolate(t)
	_, srv := startSandbox(t, sandbox.Options{AccessKeyID: "AKIDPROFILE", SecretAccessKey: "profile-secret"}, nil)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	creds := filepath.Join(dir, "credentials")
	if err := os.WriteFile(config, []byte("[profile qual]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(creds, []byte("[qual]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", config)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)

	c, err := aws.New(t.Context(), aws.Options{Profile: "qual", EndpointURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	env, err := c.Environment(t.Context())
	if err != nil {
		t.Fatalf("Environment with the profile's credentials (the sandbox checks signatures): %v", err)
	}
	if env.Region != "us-east-1" {
		t.Errorf("region %q, want the profile's", env.Region)
	}

	_, err = aws.New(t.Context(), aws.Options{Profile: "missing", EndpointURL: srv.URL})
	wantCode(t, err, qualstate.ErrEnvironment, `profile "missing"`, "aws configure")
}

// TestConfigurationErrors: what is missing is said, with how to give it.
func TestConfigurationErrors(t *testing.T) {
	t.Run("no credentials", func(t *testing.T) {
		isolate(t)
		t.Setenv("AWS_ACCESS_KEY_ID", "")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		_, srv := startSandbox(t, sandbox.Options{}, nil)
		c := newClient(t, srv.URL)
		_, err := c.Environment(t.Context())
		wantCode(t, err, qualstate.ErrEnvironment, "no AWS credentials", "AWS_ACCESS_KEY_ID", "--profile", "aws configure", "aws sso login")
		_, _, err = c.DescribeStack(t.Context(), "x")
		wantCode(t, err, qualstate.ErrEnvironment, "no AWS credentials")
	})

	t.Run("no region", func(t *testing.T) {
		isolate(t)
		_, err := aws.New(t.Context(), aws.Options{EndpointURL: "http://127.0.0.1:1"})
		wantCode(t, err, qualstate.ErrEnvironment, "no AWS region", "AWS_REGION", "--region")
	})

	t.Run("credentials rejected", func(t *testing.T) {
		isolate(t)
		_, srv := startSandbox(t, sandbox.Options{AccessKeyID: "AKIDEXPECTED", SecretAccessKey: "secret"}, nil)
		_, _, err := newClient(t, srv.URL).DescribeStack(t.Context(), "x")
		wantCode(t, err, qualstate.ErrEnvironment, "cloudformation:DescribeStacks on stack x", "credentials rejected", "InvalidClientTokenId")
	})

	t.Run("nothing listening", func(t *testing.T) {
		isolate(t)
		_, srv := startSandbox(t, sandbox.Options{}, nil)
		url := srv.URL
		srv.Close()
		_, _, err := newClient(t, url, aws.FastRetries).GetResource(t.Context(), "AWS::S3::Bucket", "b")
		wantCode(t, err, qualstate.ErrEnvironment, "cloudcontrol:GetResource on AWS::S3::Bucket b")
	})
}

func TestPartition(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::123456789012:user/a":        "aws",
		"arn:aws-cn:iam::123456789012:user/a":     "aws-cn",
		"arn:aws-us-gov:sts::123456789012:role/r": "aws-us-gov",
		"not an arn": "",
	} {
		if got := aws.Partition(arn); got != want {
			t.Errorf("partition(%q) = %q, want %q", arn, got, want)
		}
	}
}

// TestHTTPClient: a client given in the options carries every request.
func TestHTTPClient(t *testing.T) {
	isolate(t)
	_, srv := startSandbox(t, sandbox.Options{}, nil)
	rt := &countingTransport{next: http.DefaultTransport}
	c := newClient(t, srv.URL, func(o *aws.Options) { o.HTTPClient = &http.Client{Transport: rt} })
	if _, err := c.Environment(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, capt, err := c.GetResource(t.Context(), "AWS::Logs::LogGroup", "none")
	wantCode(t, err, qualstate.ErrNotFound)
	if capt.Body != nil {
		t.Error("an error response became a capture")
	}
	if n := rt.n.Load(); n != 2 {
		t.Errorf("%d requests through the given client, want 2", n)
	}
}

type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}
