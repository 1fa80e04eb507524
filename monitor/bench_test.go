package monitor

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"qualstate"
	"qualstate/jsonpatch"
	"qualstate/policy"
	"qualstate/policy/library"
	"qualstate/sandbox/registry"
)

// fleetInstanceSize is how many resources a synthetic stack has at most:
// CloudFormation's limit is 500.
const fleetInstanceSize = 500

// unitSize is how many resources make up one unit of a synthetic stack.
const unitSize = 6

// fleet is a synthetic estate of monitored stacks: their baselines, and
// live models read now with a few drifts and failures.
type fleet struct {
	inputs []Input
	// drifted and failing count what was made to differ, for the
	// benchmark to check it is seen.
	drifted int
}

// seededReader feeds the registry's id and name generation from a seeded
// source, so every run builds the same estate.
type seededReader struct{ r *rand.ChaCha8 }

func (s seededReader) Read(p []byte) (int, error) { return s.r.Read(p) }

// makeFleet builds about n resources in stacks of at most
// fleetInstanceSize: per unit, a KMS key and an S3 bucket (with its
// TLS-only bucket policy), SQS queue, log group and DynamoDB table
// encrypted under it, created by the sandbox's registry so that their
// models have the shape and defaults of Cloud Control reads. Half the
// queues have no dead-letter queue, which a waiver accepts. Every
// 53rd resource has drifted in one of several ways, and every 7th key does
// not rotate, which fails checks on it and on what it encrypts.
func makeFleet(tb testing.TB, n int) *fleet {
	tb.Helper()
	set, err := library.Set()
	if err != nil {
		tb.Fatal(err)
	}
	engine, err := policy.NewEngine(set)
	if err != nil {
		tb.Fatal(err)
	}
	env := registry.Env{Account: "123456789012", Region: "us-east-1", Rand: seededReader{rand.NewChaCha8([32]byte{7})}}
	types := map[string]*registry.Type{}
	for _, name := range []string{"AWS::KMS::Key", "AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::SQS::Queue", "AWS::Logs::LogGroup", "AWS::DynamoDB::Table"} {
		t, err := registry.Lookup(name)
		if err != nil {
			tb.Fatal(err)
		}
		types[name] = t
	}
	f := &fleet{}
	unit := 0
	perStack := fleetInstanceSize / unitSize * unitSize
	for start := 0; start < n; start += perStack {
		stack := fmt.Sprintf("records-%03d", start/perStack)
		in := Input{
			Instance: &qualstate.Instance{ID: stack, StackName: stack, TemplateFile: "records.yaml", TemplateDigest: "d"},
			Live:     map[string]map[string]any{}, Gone: map[string]bool{}, Evidence: map[string]string{},
			Engine: engine, Now: testNow,
			Waivers: []qualstate.Waiver{waiver("W-1", "SQS.DEAD-LETTER-QUEUE", "*", testNow.Add(time.Hour))},
		}
		in.Waivers[0].Scope.Stack = stack
		create := func(typeName, logicalID string, desired map[string]any) map[string]any {
			t := types[typeName]
			model, err := t.Create(env, desired, registry.NameHint{StackName: stack, LogicalID: logicalID})
			if err != nil {
				tb.Fatalf("%s %s: %v", typeName, logicalID, err)
			}
			model = t.Public(model)
			id, err := t.Identifier(model)
			if err != nil {
				tb.Fatal(err)
			}
			in.Baseline = append(in.Baseline, qualstate.BaselineResource{LogicalID: logicalID, ResourceType: typeName,
				PhysicalID: id, Identifier: id, Properties: model, Evidence: "sha256:base-" + logicalID})
			in.Stack = append(in.Stack, qualstate.StackResource{LogicalID: logicalID, PhysicalID: id, Type: typeName, Status: "CREATE_COMPLETE"})
			return model
		}
		for i := 0; i < fleetInstanceSize/unitSize && start+i*unitSize < n; i++ {
			tags := []any{map[string]any{"Key": "Owner", "Value": "records-team"}, map[string]any{"Key": "DataClassification", "Value": "restricted"}}
			key := create("AWS::KMS::Key", fmt.Sprintf("Key%d", i), map[string]any{
				"Description": "records data key", "EnableKeyRotation": unit%7 != 0, "Tags": tags,
			})
			keyArn := key["Arn"]
			bucket := create("AWS::S3::Bucket", fmt.Sprintf("Bucket%d", i), map[string]any{
				"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
					"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": keyArn},
					"BucketKeyEnabled":              true,
				}}},
				"VersioningConfiguration": map[string]any{"Status": "Enabled"},
				"LoggingConfiguration":    map[string]any{"LogFilePrefix": "access/"},
				"ObjectLockEnabled":       true,
				"ObjectLockConfiguration": map[string]any{"ObjectLockEnabled": "Enabled",
					"Rule": map[string]any{"DefaultRetention": map[string]any{"Mode": "GOVERNANCE", "Days": 365}}},
				"LifecycleConfiguration": map[string]any{"Rules": []any{map[string]any{
					"Id": "expire-noncurrent", "Status": "Enabled", "NoncurrentVersionExpiration": map[string]any{"NoncurrentDays": 3650}}}},
				"ReplicationConfiguration": map[string]any{"Role": "arn:aws:iam::123456789012:role/records-replication",
					"Rules": []any{map[string]any{"Id": "dr", "Status": "Enabled", "Prefix": "",
						"Destination": map[string]any{"Bucket": fmt.Sprintf("arn:aws:s3:::records-dr-%d", unit)}}}},
				"Tags": tags,
			})
			create("AWS::S3::BucketPolicy", fmt.Sprintf("BucketPolicy%d", i), map[string]any{
				"Bucket": bucket["BucketName"],
				"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
					"Sid": "TLSOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
					"Resource":  []any{bucket["Arn"], fmt.Sprint(bucket["Arn"], "/*")},
					"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
				}}},
			})
			queue := map[string]any{"KmsMasterKeyId": keyArn, "MessageRetentionPeriod": 1209600, "VisibilityTimeout": 60, "Tags": tags}
			if unit%2 == 0 {
				queue["RedriveAllowPolicy"] = map[string]any{"redrivePermission": "allowAll"}
			}
			create("AWS::SQS::Queue", fmt.Sprintf("Queue%d", i), queue)
			create("AWS::Logs::LogGroup", fmt.Sprintf("Logs%d", i), map[string]any{
				"RetentionInDays": 3653, "KmsKeyId": keyArn, "Tags": tags,
			})
			create("AWS::DynamoDB::Table", fmt.Sprintf("Table%d", i), map[string]any{
				"AttributeDefinitions":             []any{map[string]any{"AttributeName": "pk", "AttributeType": "S"}, map[string]any{"AttributeName": "sk", "AttributeType": "S"}},
				"KeySchema":                        []any{map[string]any{"AttributeName": "pk", "KeyType": "HASH"}, map[string]any{"AttributeName": "sk", "KeyType": "RANGE"}},
				"BillingMode":                      "PAY_PER_REQUEST",
				"SSESpecification":                 map[string]any{"SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": keyArn},
				"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
				"DeletionProtectionEnabled":        true,
				"Tags":                             tags,
			})
			unit++
		}
		for j, b := range in.Baseline {
			live := jsonpatch.Clone(b.Properties).(map[string]any)
			// What the service does by itself: tags of its own.
			if tags, ok := live["Tags"].([]any); ok {
				live["Tags"] = append([]any{map[string]any{"Key": "aws:cloudformation:stack-name", "Value": stack}}, tags...)
			}
			if j%53 == 0 {
				f.drifted++
				switch b.ResourceType {
				case "AWS::S3::Bucket":
					live["VersioningConfiguration"] = map[string]any{"Status": "Suspended"}
				case "AWS::Logs::LogGroup":
					live["RetentionInDays"] = int64(30)
				case "AWS::SQS::Queue":
					live["VisibilityTimeout"] = int64(900)
				case "AWS::KMS::Key":
					live["EnableKeyRotation"] = live["EnableKeyRotation"] != true
				case "AWS::S3::BucketPolicy":
					live["PolicyDocument"].(map[string]any)["Statement"].([]any)[0].(map[string]any)["Effect"] = "Allow"
				default:
					live["Tags"] = append(live["Tags"].([]any), map[string]any{"Key": "CostCentre", "Value": "42"})
				}
			}
			in.Live[b.LogicalID] = live
			in.Evidence[b.LogicalID] = "sha256:read-" + b.LogicalID
		}
		f.inputs = append(f.inputs, in)
	}
	return f
}

var (
	fleetsMu sync.Mutex
	fleets   = map[int]*fleet{}
)

// fleetOf builds a fleet of n resources once per process.
func fleetOf(b *testing.B, n int) *fleet {
	fleetsMu.Lock()
	defer fleetsMu.Unlock()
	if f, ok := fleets[n]; ok {
		return f
	}
	f := makeFleet(b, n)
	fleets[n] = f
	return f
}

// peakHeap samples the live heap until stopped and reports the largest
// size seen.
type peakHeap struct {
	stop chan struct{}
	done chan uint64
}

func watchHeap() *peakHeap {
	p := &peakHeap{stop: make(chan struct{}), done: make(chan uint64)}
	go func() {
		var peak uint64
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-p.stop:
				p.done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

func (p *peakHeap) peak() uint64 {
	close(p.stop)
	return <-p.done
}

// BenchmarkEvaluate evaluates every stack of a synthetic estate against
// its baseline and the built-in library: one op is the whole estate, one
// stack after the other, then with a worker per CPU as a queue's workers
// would. Besides time and allocations it reports the heap the estate
// itself takes (baselines and live models, the benchmark's input) and the
// largest heap seen while evaluating.
func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
			name := fmt.Sprintf("resources=%d", n)
			if workers > 1 {
				name += fmt.Sprintf("/workers=%d", workers)
			}
			b.Run(name, func(b *testing.B) { benchmarkEvaluate(b, fleetOf(b, n), workers) })
		}
	}
}

func benchmarkEvaluate(b *testing.B, f *fleet, workers int) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	estate := ms.HeapAlloc
	b.ReportAllocs()
	heap := watchHeap()
	outs := make([]Outcome, len(f.inputs))
	for b.Loop() {
		next := make(chan int)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := range next {
					outs[i] = Evaluate(f.inputs[i])
				}
			})
		}
		for i := range f.inputs {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	peak := heap.peak()
	var observations, drifts, checks int
	for _, out := range outs {
		observations += len(out.Observations)
		checks += out.Checks
		for _, o := range out.Observations {
			if o.Kind == qualstate.DeviationDrift {
				drifts++
			}
		}
	}
	if drifts != f.drifted {
		b.Fatalf("%d drifts seen, %d made", drifts, f.drifted)
	}
	b.ReportMetric(float64(checks), "checks/op")
	b.ReportMetric(float64(observations), "observations/op")
	b.ReportMetric(float64(estate)/(1<<20), "estate-MB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	// What evaluating adds on top of the estate: the monitor holds one
	// instance's baseline and live models at a time, never the estate.
	b.ReportMetric(float64(peak-min(peak, estate))/(1<<20), "working-MB")
}

// BenchmarkCompare compares one realistic bucket with its baseline.
func BenchmarkCompare(b *testing.B) {
	in := testInput(b)
	base := in.Baseline[0].Properties
	live := in.Live["Bucket"]
	live["Tags"] = list{tag("Owner", "qa"), tag("aws:cloudformation:stack-name", "records")}
	for b.Loop() {
		if d := Compare("AWS::S3::Bucket", base, live); len(d) != 0 {
			b.Fatal(d)
		}
	}
}
