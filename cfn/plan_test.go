package cfn

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

// deployed is a Resolver for resources that exist, as a deployment has.
type deployed struct {
	refs    map[string]any
	attrs   map[string]any
	exports map[string]any
}

func (d deployed) Ref(id string) (any, bool) { v, ok := d.refs[id]; return v, ok }
func (d deployed) GetAtt(id, attr string) (any, bool) {
	v, ok := d.attrs[id+"."+attr]
	return v, ok
}
func (d deployed) ImportValue(name string) (any, bool) { v, ok := d.exports[name]; return v, ok }

func loadGxP(t *testing.T) *Document {
	t.Helper()
	d, err := Load("testdata/valid/gxp.yaml", readTestdata(t, "testdata/valid/gxp.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPlanOrder(t *testing.T) {
	tests := []struct {
		name      string
		env       string
		wantOrder []string
		wantDeps  map[string][]string
	}{
		{
			name:      "test environment",
			env:       "test",
			wantOrder: []string{"LogKey", "LogKeyAlias", "AuditBucket", "AuditBucketPolicy", "TrailLogGroup", "TrailRole", "AppSecurityGroup", "Trail"},
			wantDeps: map[string][]string{
				"AuditBucket": {"LogKey"},
				"Trail":       {"AuditBucket", "LogKey", "TrailLogGroup", "TrailRole", "AuditBucketPolicy"},
			},
		},
		{
			name:      "prod creates the access log bucket first",
			env:       "prod",
			wantOrder: []string{"LogKey", "LogKeyAlias", "AccessLogBucket", "AuditBucket", "AuditBucketPolicy", "TrailLogGroup", "TrailRole", "AppSecurityGroup", "Trail"},
			wantDeps: map[string][]string{
				"AuditBucket":     {"LogKey", "AccessLogBucket"},
				"AccessLogBucket": nil,
			},
		},
	}
	d := loadGxP(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := d.Plan(Options{Parameters: map[string]string{"Environment": tt.env}})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Order, tt.wantOrder) {
				t.Errorf("order %v\nwant  %v", p.Order, tt.wantOrder)
			}
			for id, want := range tt.wantDeps {
				if got := p.DependsOn[id]; !slices.Equal(got, want) {
					t.Errorf("%s depends on %v, want %v", id, got, want)
				}
			}
			if got := p.Exports()["qualstate-stack-AuditBucket"]; got == nil {
				t.Errorf("export qualstate-stack-AuditBucket missing from %v", p.Exports())
			}
		})
	}
}

// TestResolverValues resolves the same document before and after its
// resources exist: what was unknown takes the deployed values.
func TestResolverValues(t *testing.T) {
	d := loadGxP(t)
	before, err := d.Resolve(Options{})
	if err != nil {
		t.Fatal(err)
	}
	live := deployed{
		refs:  map[string]any{"AuditBucket": "gxp-audit-bucket", "LogKey": "1234abcd", "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/qualstate-stack/1"},
		attrs: map[string]any{"LogKey.Arn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd", "AuditBucket.Arn": "arn:aws:s3:::gxp-audit-bucket"},
	}
	after, err := d.Resolve(Options{Resolver: live})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		resource, pointer string
		before, after     string
	}{
		{"AuditBucket", "/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault/KMSMasterKeyID",
			`{"refs":["LogKey.Arn"],"unknown":"!GetAtt LogKey.Arn"}`, `"arn:aws:kms:us-east-1:123456789012:key/1234abcd"`},
		{"AuditBucketPolicy", "/PolicyDocument/Statement/0/Resource/1",
			`{"refs":["AuditBucket.Arn"],"unknown":"!Sub ${AuditBucket.Arn}/*"}`, `"arn:aws:s3:::gxp-audit-bucket/*"`},
		{"AuditBucketPolicy", "/PolicyDocument/Statement/2/Resource",
			`{"refs":["AuditBucket"],"unknown":"!Sub arn:${AWS::Partition}:s3:::${AuditBucket}/AWSLogs/${AWS::AccountId}/*"}`,
			`"arn:aws:s3:::gxp-audit-bucket/AWSLogs/123456789012/*"`},
		{"Trail", "/CloudWatchLogsRoleArn",
			`{"refs":["TrailRole.Arn"],"unknown":"!GetAtt TrailRole.Arn"}`, `{"refs":["TrailRole.Arn"],"unknown":"!GetAtt TrailRole.Arn"}`},
	}
	for _, tt := range tests {
		t.Run(tt.resource+tt.pointer, func(t *testing.T) {
			if got := show(at(before.Resource(tt.resource).Properties, tt.pointer)); got != tt.before {
				t.Errorf("before: %s, want %s", got, tt.before)
			}
			if got := show(at(after.Resource(tt.resource).Properties, tt.pointer)); got != tt.after {
				t.Errorf("after: %s, want %s", got, tt.after)
			}
		})
	}
}

// at reads the value at a JSON pointer.
func at(v any, pointer string) any {
	for _, key := range strings.Split(pointer, "/")[1:] {
		switch c := v.(type) {
		case map[string]any:
			v = c[key]
		case []any:
			i := 0
			for _, ch := range key {
				i = i*10 + int(ch-'0')
			}
			if i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

// TestResolveConcurrently resolves one document from many goroutines with
// different parameters, as deployments do; the race detector checks that
// resolution shares nothing it writes.
func TestResolveConcurrently(t *testing.T) {
	d := loadGxP(t)
	var wg sync.WaitGroup
	for i := range 8 {
		env := []string{"test", "prod"}[i%2]
		wg.Go(func() {
			tpl, err := d.Resolve(Options{Parameters: map[string]string{"Environment": env}})
			if err != nil {
				t.Error(err)
				return
			}
			wantAccessLog := env == "prod"
			if got := tpl.Resource("AccessLogBucket") != nil; got != wantAccessLog {
				t.Errorf("%s: AccessLogBucket created %v, want %v", env, got, wantAccessLog)
			}
		})
	}
	wg.Wait()
}
