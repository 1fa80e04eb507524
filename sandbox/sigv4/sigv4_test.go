package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const (
	testAKID   = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testRegion = "us-east-1"
)

var signTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// shape is a request as a client builds it before signing.
type shape struct {
	name    string
	method  string
	url     string
	body    string
	header  map[string][]string
	service string
	token   string
	// payloadHash, when set, is sent as X-Amz-Content-Sha256 and signed
	// in place of the body's hash.
	payloadHash string
}

var shapes = []shape{
	{
		name:    "form POST",
		method:  http.MethodPost,
		url:     "http://localhost:4566/",
		body:    "Action=CreateStack&Version=2010-05-15&StackName=a&Parameters.member.1.ParameterKey=K&Parameters.member.1.ParameterValue=V+%26+W",
		header:  map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}},
		service: "cloudformation",
	},
	{
		name:    "JSON POST with X-Amz-Target",
		method:  http.MethodPost,
		url:     "http://localhost:4566/",
		body:    `{"TypeName":"AWS::S3::Bucket","DesiredState":"{\"BucketName\":\"b\"}"}`,
		header:  map[string][]string{"Content-Type": {"application/x-amz-json-1.0"}, "X-Amz-Target": {"CloudApiService.CreateResource"}},
		service: "cloudcontrolapi",
	},
	{
		name:    "GET with odd query characters",
		method:  http.MethodGet,
		url:     "http://localhost:4566/?b=2&a=1&a=0&z=%20sp%2Bplus+space&empty=&bare&t=~tilde&s=%2F&u=%C3%BC&star=*&semi=%3B",
		service: "execute-api",
	},
	{
		name:    "path with spaces",
		method:  http.MethodGet,
		url:     "http://localhost:4566/some%20path/with%20spaces/caf%C3%A9/a+b",
		service: "execute-api",
	},
	{
		name:    "session token and untidy headers",
		method:  http.MethodPost,
		url:     "http://127.0.0.1:8080/",
		body:    "Action=GetCallerIdentity&Version=2011-06-15",
		header:  map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}, "X-Amz-Meta-Odd": {"  two   spaces  ", "second"}},
		service: "sts",
		token:   "FwoGZXIvYXdzEXAMPLE//token+with/odd=chars",
	},
	{
		name:        "UNSIGNED-PAYLOAD",
		method:      http.MethodPut,
		url:         "http://localhost:4566/bucket/key",
		body:        "anything at all",
		service:     "s3",
		payloadHash: "UNSIGNED-PAYLOAD",
	},
	{
		name:        "X-Amz-Content-Sha256 with the body's hash",
		method:      http.MethodPost,
		url:         "http://localhost:4566/",
		body:        "Action=ListStacks&Version=2010-05-15",
		service:     "cloudformation",
		payloadHash: sha256Hex("Action=ListStacks&Version=2010-05-15"),
	},
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// signed builds the request of s and signs it with the SDK's signer.
func signed(t testing.TB, s shape) *http.Request {
	t.Helper()
	req, err := http.NewRequest(s.method, s.url, strings.NewReader(s.body))
	if err != nil {
		t.Fatal(err)
	}
	if s.body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for k, vs := range s.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	hash := sha256Hex(s.body)
	if s.payloadHash != "" {
		req.Header.Set("X-Amz-Content-Sha256", s.payloadHash)
		hash = s.payloadHash
	}
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret, SessionToken: s.token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, s.service, testRegion, signTime); err != nil {
		t.Fatal(err)
	}
	return req
}

// TestVerifySDKSigned checks requests signed by the SDK both as the
// client built them and as a server receives them, where net/http has
// moved Host out of the header and kept the path as sent.
func TestVerifySDKSigned(t *testing.T) {
	type result struct {
		err     error
		service string
	}
	results := make(chan result, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		results <- result{Verify(r, body, testSecret, signTime.Add(time.Minute)), Service(r)}
	}))
	defer srv.Close()

	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			req := signed(t, s)
			if err := Verify(req, []byte(s.body), testSecret, signTime); err != nil {
				t.Errorf("client-side request: %v", err)
			}

			// Point the signed request at the test server without
			// changing what was signed: same Host header, same path.
			host := req.Host
			if host == "" {
				host = req.URL.Host
			}
			req.Host = host
			req.URL.Host = strings.TrimPrefix(srv.URL, "http://")
			req.Body = io.NopCloser(strings.NewReader(s.body))
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := <-results
			if got.err != nil {
				t.Errorf("server-side request: %v", got.err)
			}
			if got.service != s.service {
				t.Errorf("Service = %q, want %q", got.service, s.service)
			}
		})
	}
}

// TestVerifySDKClients sends real SDK calls, with every header the SDK
// adds, to a server that verifies them.
func TestVerifySDKClients(t *testing.T) {
	var verr error
	var service string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		verr, service = Verify(r, body, testSecret, time.Now()), Service(r)
		switch service {
		case "cloudcontrolapi":
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			io.WriteString(w, `{"ProgressEvent":{"OperationStatus":"SUCCESS"}}`)
		default:
			w.Header().Set("Content-Type", "text/xml")
			action := strings.TrimPrefix(strings.Split(string(body), "&")[0], "Action=")
			io.WriteString(w, "<"+action+"Response><"+action+"Result></"+action+"Result></"+action+"Response>")
		}
	}))
	defer srv.Close()
	for _, token := range []string{"", "session-token/with+odd=chars"} {
		creds := credentials.NewStaticCredentialsProvider(testAKID, testSecret, token)
		ctx := context.Background()
		tests := []struct {
			name    string
			service string
			call    func() error
		}{
			{"cloudformation", "cloudformation", func() error {
				c := cloudformation.New(cloudformation.Options{Region: testRegion, Credentials: creds, BaseEndpoint: aws.String(srv.URL + "/")})
				_, err := c.ListStacks(ctx, &cloudformation.ListStacksInput{NextToken: aws.String("a b&c=d")})
				return err
			}},
			{"sts", "sts", func() error {
				c := sts.New(sts.Options{Region: "eu-west-1", Credentials: creds, BaseEndpoint: aws.String(srv.URL)})
				_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
				return err
			}},
			{"cloudcontrol", "cloudcontrolapi", func() error {
				c := cloudcontrol.New(cloudcontrol.Options{Region: testRegion, Credentials: creds, BaseEndpoint: aws.String(srv.URL)})
				_, err := c.GetResourceRequestStatus(ctx, &cloudcontrol.GetResourceRequestStatusInput{RequestToken: aws.String("t")})
				return err
			}},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s token=%v", tt.name, token != ""), func(t *testing.T) {
				verr, service = errors.New("no request"), ""
				if err := tt.call(); err != nil {
					t.Fatal(err)
				}
				if verr != nil {
					t.Errorf("Verify = %v", verr)
				}
				if service != tt.service {
					t.Errorf("Service = %q, want %q", service, tt.service)
				}
			})
		}
	}
}

func TestVerifyTampered(t *testing.T) {
	base := shapes[0]
	tests := []struct {
		name   string
		mutate func(r *http.Request, body *string, secret *string, now *time.Time)
		want   error
	}{
		{"untouched", func(*http.Request, *string, *string, *time.Time) {}, nil},
		{"body", func(_ *http.Request, b *string, _ *string, _ *time.Time) {
			*b = strings.Replace(*b, "StackName=a", "StackName=b", 1)
		}, ErrSignatureMismatch},
		{"body with X-Amz-Content-Sha256", func(r *http.Request, b *string, _ *string, _ *time.Time) {
			r.Header.Set("X-Amz-Content-Sha256", sha256Hex(*b))
			*b += "&Extra=1"
		}, ErrSignatureMismatch},
		{"signed header", func(r *http.Request, _ *string, _ *string, _ *time.Time) {
			r.Header.Set("Content-Type", "text/plain")
		}, ErrSignatureMismatch},
		{"signed header removed", func(r *http.Request, _ *string, _ *string, _ *time.Time) {
			r.Header.Del("Content-Type")
		}, ErrSignatureMismatch},
		{"host", func(r *http.Request, _ *string, _ *string, _ *time.Time) {
			r.Host = "localhost:4567"
		}, ErrSignatureMismatch},
		{"method", func(r *http.Request, _ *string, _ *string, _ *time.Time) {
			r.Method = http.MethodPut
		}, ErrSignatureMismatch},
		{"path", func(r *http.Request, _ *string, _ *string, _ *time.Time) {
			r.URL.Path = "/x"
		}, ErrSignatureMismatch},
		{"query", func(r *http.Request, _ *string, _ *string, _ *time.Time) {
			r.URL.RawQuery = "a=1"
		}, ErrSignatureMismatch},
		{"secret", func(_ *http.Request, _ *string, s *string, _ *time.Time) {
			*s = "not-the-secret"
		}, ErrSignatureMismatch},
		{"date by a second", func(r *http.Request, _ *string, _ *string, _ *time.Time) {
			r.Header.Set("X-Amz-Date", signTime.Add(time.Second).Format(amzDateLayout))
		}, ErrSignatureMismatch},
		{"date by an hour", func(r *http.Request, _ *string, _ *string, _ *time.Time) {
			r.Header.Set("X-Amz-Date", signTime.Add(time.Hour).Format(amzDateLayout))
		}, ErrExpired},
		{"date by a day", func(r *http.Request, _ *string, _ *string, _ *time.Time) {
			r.Header.Set("X-Amz-Date", signTime.Add(24*time.Hour).Format(amzDateLayout))
		}, ErrMalformed},
		{"date unparsable", func(r *http.Request, _ *string, _ *string, _ *time.Time) {
			r.Header.Set("X-Amz-Date", "2026-01-02T03:04:05Z")
		}, ErrMalformed},
		{"date missing", func(r *http.Request, _ *string, _ *string, _ *time.Time) {
			r.Header.Del("X-Amz-Date")
		}, ErrMalformed},
		{"now 14 minutes later", func(_ *http.Request, _ *string, _ *string, now *time.Time) {
			*now = now.Add(14 * time.Minute)
		}, nil},
		{"now 16 minutes later", func(_ *http.Request, _ *string, _ *string, now *time.Time) {
			*now = now.Add(16 * time.Minute)
		}, ErrExpired},
		{"now 16 minutes earlier", func(_ *http.Request, _ *string, _ *string, now *time.Time) {
			*now = now.Add(-16 * time.Minute)
		}, ErrExpired},
		{"no Authorization", func(r *http.Request, _ *string, _ *string, _ *time.Time) {
			r.Header.Del("Authorization")
		}, ErrMissing},
		{"signature altered", func(r *http.Request, _ *string, _ *string, _ *time.Time) {
			a := r.Header.Get("Authorization")
			flipped := "0"
			if a[len(a)-1] == '0' {
				flipped = "1"
			}
			r.Header.Set("Authorization", a[:len(a)-1]+flipped)
		}, ErrSignatureMismatch},
		{"host not signed", func(r *http.Request, _ *string, _ *string, _ *time.Time) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=content-length;content-type;host;x-amz-date", "SignedHeaders=content-length;content-type;x-amz-date", 1))
		}, ErrMalformed},
		{"streaming payload", func(r *http.Request, _ *string, _ *string, _ *time.Time) {
			r.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
		}, ErrMalformed},
		{"bad query escape", func(r *http.Request, _ *string, _ *string, _ *time.Time) {
			r.URL.RawQuery = "a=%zz"
		}, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := signed(t, base)
			body, secret, now := base.body, testSecret, signTime
			tt.mutate(req, &body, &secret, &now)
			err := Verify(req, []byte(body), secret, now)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

type fixture struct {
	File        string `json:"file"`
	Service     string `json:"service"`
	Region      string `json:"region"`
	AccessKeyID string `json:"access_key_id"`
	Secret      string `json:"secret"`
	What        string `json:"what"`
}

// TestVerifyBotocore checks requests signed by botocore (the AWS CLI's
// signer), saved as they go over the wire.
func TestVerifyBotocore(t *testing.T) {
	manifest, err := os.ReadFile(filepath.Join("testdata", "botocore.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fixtures []fixture
	if err := json.Unmarshal(manifest, &fixtures); err != nil {
		t.Fatal(err)
	}
	if len(fixtures) == 0 {
		t.Fatal("no fixtures")
	}
	for _, fx := range fixtures {
		t.Run(fx.What, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", fx.File))
			if err != nil {
				t.Fatal(err)
			}
			req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(req.Body)
			if err != nil {
				t.Fatal(err)
			}
			now, err := time.Parse(amzDateLayout, req.Header.Get("X-Amz-Date"))
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(req, body, fx.Secret, now.Add(3*time.Minute)); err != nil {
				t.Errorf("Verify = %v, want nil", err)
			}
			if err := Verify(req, body, fx.Secret+"x", now); !errors.Is(err, ErrSignatureMismatch) {
				t.Errorf("Verify with another secret = %v, want %v", err, ErrSignatureMismatch)
			}
			cred, err := ParseAuthorization(req)
			if err != nil {
				t.Fatal(err)
			}
			want := Credential{AccessKeyID: fx.AccessKeyID, Date: now.Format(scopeDateLayout), Region: fx.Region, Service: fx.Service}
			if cred != want {
				t.Errorf("ParseAuthorization = %+v, want %+v", cred, want)
			}
		})
	}
}

func TestParseAuthorization(t *testing.T) {
	const sig = "Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		name   string
		header []string
		want   Credential
		err    error
	}{
		{
			name:   "SDK form",
			header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/cloudformation/aws4_request, SignedHeaders=host;x-amz-date, " + sig},
			want:   Credential{AccessKeyID: "AKID", Date: "20260101", Region: "us-east-1", Service: "cloudformation"},
		},
		{
			name:   "no spaces after commas",
			header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-3/sts/aws4_request,SignedHeaders=host," + sig},
			want:   Credential{AccessKeyID: "AKID", Date: "20260101", Region: "eu-west-3", Service: "sts"},
		},
		{name: "absent", err: ErrMissing},
		{name: "empty", header: []string{" "}, err: ErrMissing},
		{name: "twice", header: []string{"a", "b"}, err: ErrMalformed},
		{name: "other algorithm", header: []string{"AWS4-ECDSA-P256-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, " + sig}, err: ErrMalformed},
		{name: "SigV2", header: []string{"AWS AKID:c2lnbmF0dXJl"}, err: ErrMalformed},
		{name: "algorithm only", header: []string{"AWS4-HMAC-SHA256"}, err: ErrMalformed},
		{name: "no Credential", header: []string{"AWS4-HMAC-SHA256 SignedHeaders=host, " + sig}, err: ErrMalformed},
		{name: "no SignedHeaders", header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, " + sig}, err: ErrMalformed},
		{name: "no Signature", header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=host"}, err: ErrMalformed},
		{name: "repeated component", header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, " + sig}, err: ErrMalformed},
		{name: "unknown component", header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Extra=1, " + sig}, err: ErrMalformed},
		{name: "component without =", header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, junk, " + sig}, err: ErrMalformed},
		{name: "short scope", header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/aws4_request, SignedHeaders=host, " + sig}, err: ErrMalformed},
		{name: "scope without aws4_request", header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws5_request, SignedHeaders=host, " + sig}, err: ErrMalformed},
		{name: "bad scope date", header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20261301/us-east-1/sts/aws4_request, SignedHeaders=host, " + sig}, err: ErrMalformed},
		{name: "empty access key", header: []string{"AWS4-HMAC-SHA256 Credential=/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, " + sig}, err: ErrMalformed},
		{name: "empty region", header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20260101//sts/aws4_request, SignedHeaders=host, " + sig}, err: ErrMalformed},
		{name: "empty service", header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1//aws4_request, SignedHeaders=host, " + sig}, err: ErrMalformed},
		{name: "unsorted headers", header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=x-amz-date;host, " + sig}, err: ErrMalformed},
		{name: "upper-case header", header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=Host, " + sig}, err: ErrMalformed},
		{name: "empty header name", header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;;x-amz-date, " + sig}, err: ErrMalformed},
		{name: "short signature", header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=abcd"}, err: ErrMalformed},
		{name: "upper-case signature", header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, " + strings.ToUpper(sig[:10]) + sig[10:]}, err: ErrMalformed},
		{name: "non-hex signature", header: []string{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=" + strings.Repeat("g", 64)}, err: ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &http.Request{Header: http.Header{}}
			for _, h := range tt.header {
				r.Header.Add("Authorization", h)
			}
			got, err := ParseAuthorization(r)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("ParseAuthorization = %+v, %v; want error %v", got, err, tt.err)
				}
				if Service(r) != "" {
					t.Errorf("Service = %q, want empty", Service(r))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("ParseAuthorization = %+v, want %+v", got, tt.want)
			}
			if Service(r) != tt.want.Service {
				t.Errorf("Service = %q, want %q", Service(r), tt.want.Service)
			}
		})
	}
}

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range shapes {
		f.Add(signed(f, s).Header.Get("Authorization"))
	}
	f.Add("AWS4-HMAC-SHA256 Credential=a/20260101/r/s/aws4_request,SignedHeaders=host,Signature=" + strings.Repeat("0", 64))
	f.Add("AWS4-HMAC-SHA256 ,,,==")
	f.Add("")
	f.Fuzz(func(t *testing.T, h string) {
		r := &http.Request{Header: http.Header{"Authorization": {h}, "X-Amz-Date": {signTime.Format(amzDateLayout)}}, URL: &url.URL{Path: "/"}, Method: "GET", Host: "h"}
		a, err := parseAuthorization(r)
		if err != nil {
			if !errors.Is(err, ErrMissing) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v wraps neither ErrMissing nor ErrMalformed", err)
			}
			if Service(r) != "" {
				t.Fatalf("Service = %q after error %v", Service(r), err)
			}
		} else {
			c := a.cred
			for _, p := range []string{c.AccessKeyID, c.Date, c.Region, c.Service} {
				if p == "" || strings.Contains(p, "/") {
					t.Fatalf("credential part %q of %+v", p, c)
				}
			}
			if len(a.signature) != sha256.Size {
				t.Fatalf("signature has %d bytes", len(a.signature))
			}
			// What was accepted must survive a round trip through the
			// canonical form.
			again := "AWS4-HMAC-SHA256 Credential=" + c.AccessKeyID + "/" + c.Date + "/" + c.Region + "/" + c.Service +
				"/aws4_request, SignedHeaders=" + a.signedHeaders + ", Signature=" + hex.EncodeToString(a.signature)
			b, err := parseAuthorization(&http.Request{Header: http.Header{"Authorization": {again}}})
			if err != nil {
				t.Fatalf("re-parse of %q: %v", again, err)
			}
			if b.cred != a.cred || b.signedHeaders != a.signedHeaders || !bytes.Equal(b.signature, a.signature) {
				t.Fatalf("re-parse of %q = %+v, want %+v", again, b, a)
			}
		}
		_ = Verify(r, nil, testSecret, signTime)
	})
}
