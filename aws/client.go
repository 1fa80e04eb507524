// Package aws is qualstate's one path to AWS, or to anything that speaks
// its wire protocols (the sandbox, an emulator): stacks through
// CloudFormation, live resource models through the Cloud Control API, the
// account through STS. It is the only package that imports the AWS SDK.
//
// Every response a decision may rest on comes back as a qualstate.Capture:
// the exact bytes received, so that they can be kept as evidence.
package aws

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"qualstate"
)

// Retry policy: more attempts and a longer ceiling than the SDK's defaults
// (3 attempts), so that throttling during a long qualification or a busy
// monitoring cycle is ridden out rather than reported.
const (
	retryMaxAttempts = 8
	retryMaxBackoff  = 20 * time.Second
)

// Options configure a Client.
type Options struct {
	// Region is the AWS region; "" takes it from the SDK's default chain
	// (AWS_REGION, the profile). New fails when none resolves.
	Region string
	// Profile is the shared configuration profile; "" is the default
	// chain (AWS_PROFILE, then "default").
	Profile string
	// EndpointURL replaces AWS's endpoints (the sandbox, an emulator); ""
	// lets the SDK take AWS_ENDPOINT_URL or the profile's endpoint_url,
	// else AWS's own.
	EndpointURL string
	// EnvName is Environment().Name; default "aws".
	EnvName string
	// HTTPClient, when set, carries every request instead of the SDK's
	// own client.
	HTTPClient *http.Client
	// AccessKeyID and SecretAccessKey, when both are set, are the
	// credentials, instead of the default chain's: the embedded sandbox
	// is reached with a key of its own, never with the user's AWS keys.
	AccessKeyID, SecretAccessKey string

	// maxBackoff overrides retryMaxBackoff; tests shorten it.
	maxBackoff time.Duration
}

// Client talks to CloudFormation, Cloud Control and STS with one
// configuration. It is safe for concurrent use.
type Client struct {
	cfg      sdkaws.Config
	cfn      *cloudformation.Client
	cc       *cloudcontrol.Client
	sts      *sts.Client
	endpoint string
	envName  string
}

var _ qualstate.Cloud = (*Client)(nil)

// New loads the AWS configuration (credentials, region, endpoint) through
// the SDK's default chain and returns a client. Credentials are not
// checked here: the first call reports them missing or rejected.
func New(ctx context.Context, opts Options) (*Client, error) {
	loads := []func(*config.LoadOptions) error{
		config.WithRetryer(func() sdkaws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = retryMaxAttempts
				o.MaxBackoff = cmp.Or(opts.maxBackoff, retryMaxBackoff)
				// The SDK's retry quota would fail calls outright once a
				// burst of throttling had drained it, which is the moment
				// waiting is needed; each call is bounded by its attempts.
				o.RateLimiter = ratelimit.None
			})
		}),
	}
	if opts.Region != "" {
		loads = append(loads, config.WithRegion(opts.Region))
	}
	if opts.Profile != "" {
		loads = append(loads, config.WithSharedConfigProfile(opts.Profile))
	}
	if opts.EndpointURL != "" {
		loads = append(loads, config.WithBaseEndpoint(opts.EndpointURL))
	}
	if opts.AccessKeyID != "" && opts.SecretAccessKey != "" {
		loads = append(loads, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(opts.AccessKeyID, opts.SecretAccessKey, "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		if ctx.Err() != nil {
			return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "loading the AWS configuration: %w", ctx.Err())
		}
		var missing config.SharedConfigProfileNotExistError
		if errors.As(err, &missing) {
			return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{},
				"AWS profile %q is not in the shared configuration (~/.aws/config, ~/.aws/credentials); create it with `aws configure --profile %s` or `aws configure sso`: %w",
				missing.Profile, missing.Profile, err)
		}
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{},
			"no AWS region: give --region, set AWS_REGION, or set a region in the profile (`aws configure`)")
	}
	// The SDK built its client with AWS_CA_BUNDLE and proxy settings
	// applied; it is wrapped, not replaced, unless the caller brought one.
	var next sdkaws.HTTPClient = cfg.HTTPClient
	if opts.HTTPClient != nil {
		next = opts.HTTPClient
	}
	if next == nil {
		next = http.DefaultClient
	}
	cfg.HTTPClient = &teeClient{next: next, limit: maxCapture}

	c := &Client{cfg: cfg, envName: cmp.Or(opts.EnvName, "aws")}
	// An explicit endpoint wins over the service-specific variables
	// (AWS_ENDPOINT_URL_CLOUDFORMATION …), which the SDK otherwise prefers.
	c.cfn = cloudformation.NewFromConfig(cfg, func(o *cloudformation.Options) {
		if opts.EndpointURL != "" {
			o.BaseEndpoint = sdkaws.String(opts.EndpointURL)
		}
	})
	c.cc = cloudcontrol.NewFromConfig(cfg, func(o *cloudcontrol.Options) {
		if opts.EndpointURL != "" {
			o.BaseEndpoint = sdkaws.String(opts.EndpointURL)
		}
	})
	c.sts = sts.NewFromConfig(cfg, func(o *sts.Options) {
		if opts.EndpointURL != "" {
			o.BaseEndpoint = sdkaws.String(opts.EndpointURL)
		}
	})
	// CloudFormation's endpoint as the SDK resolved it from the options,
	// AWS_ENDPOINT_URL or the profile; nil means AWS's own.
	c.endpoint = sdkaws.ToString(c.cfn.Options().BaseEndpoint)
	return c, nil
}

// Environment asks STS who the credentials belong to and returns the
// account, region and partition the client works in.
func (c *Client) Environment(ctx context.Context) (qualstate.Environment, error) {
	if err := c.ready(ctx); err != nil {
		return qualstate.Environment{}, err
	}
	out, _, err := invoke(ctx, action{op: "sts:GetCallerIdentity"}, func(ctx context.Context) (*sts.GetCallerIdentityOutput, error) {
		return c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	})
	if err != nil {
		return qualstate.Environment{}, err
	}
	return qualstate.Environment{
		Name:      c.envName,
		Endpoint:  c.endpoint,
		Account:   sdkaws.ToString(out.Account),
		Region:    c.cfg.Region,
		Partition: partition(sdkaws.ToString(out.Arn)),
	}, nil
}

// partition returns the partition of the caller's ARN: STS states it
// with authority, for every partition, where a table of region prefixes
// would lag behind new ones. "" when the ARN cannot be read.
func partition(callerARN string) string {
	a, err := arn.Parse(callerARN)
	if err != nil {
		return ""
	}
	return a.Partition
}

// ready checks that credentials can be had before a call is made, so
// that their absence is reported as such and not as a failed call.
func (c *Client) ready(ctx context.Context) error {
	if c.cfg.Credentials == nil {
		return noCredentials(errors.New("no credential provider configured"))
	}
	if _, err := c.cfg.Credentials.Retrieve(ctx); err != nil {
		if ctx.Err() != nil {
			return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "retrieving AWS credentials: %w", ctx.Err())
		}
		return noCredentials(err)
	}
	return nil
}

func noCredentials(err error) *qualstate.Error {
	return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{},
		"no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a profile with --profile or AWS_PROFILE, "+
			"or create one with `aws configure` (or `aws configure sso` and `aws sso login`): %w", err)
}
