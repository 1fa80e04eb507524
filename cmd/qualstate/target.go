package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"qualstate"
	"qualstate/aws"
	"qualstate/sandbox"
	"qualstate/sqlite"
)

// Where qualstate keeps its records when neither --home nor QUALSTATE_HOME
// says otherwise: ~/.qualstate.
const (
	homeEnv     = "QUALSTATE_HOME"
	homeDefault = ".qualstate"
	storeFile   = "qualstate.db"
	sandboxDir  = "sandbox"
)

// homeDir returns the directory holding the record store and the embedded
// sandbox's state.
func homeDir(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if h := os.Getenv(homeEnv); h != "" {
		return h, nil
	}
	user, err := os.UserHomeDir()
	if err != nil {
		return "", qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "no home directory for the records (set %s or --home): %w", homeEnv, err)
	}
	return filepath.Join(user, homeDefault), nil
}

// openStore opens the record store in the home directory.
func openStore(home string) (*sqlite.Store, error) {
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "records directory: %w", err)
	}
	return sqlite.Open(filepath.Join(home, storeFile))
}

// targetFlags choose the TEST environment.
type targetFlags struct {
	env, region, profile, endpoint string
	// sandboxDelay slows the embedded sandbox's resource operations (for
	// tests that interrupt a run mid-deployment).
	sandboxDelay time.Duration
}

func (f *targetFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.env, "env", "", "TEST environment: sandbox (embedded, no AWS account) or aws; default: aws when an endpoint is set, else sandbox")
	fl.StringVar(&f.region, "region", "", "AWS region (default: from the AWS configuration; the sandbox's is us-east-1)")
	fl.StringVar(&f.profile, "profile", "", "AWS profile from the shared configuration")
	fl.StringVar(&f.endpoint, "endpoint-url", "", "AWS API endpoint (an emulator or a standalone qualstate sandbox); default: AWS_ENDPOINT_URL")
	fl.DurationVar(&f.sandboxDelay, "sandbox-resource-delay", 0, "slow every resource operation of the embedded sandbox")
	_ = fl.MarkHidden("sandbox-resource-delay")
}

// envName resolves the environment: only an explicit --env aws or an
// endpoint reaches a cloud; with neither, the embedded sandbox is used, so
// no command deploys to an AWS account by surprise.
func (f *targetFlags) envName() (string, error) {
	switch f.env {
	case "sandbox", "aws":
		return f.env, nil
	case "":
		if f.endpoint != "" || os.Getenv("AWS_ENDPOINT_URL") != "" {
			return "aws", nil
		}
		return "sandbox", nil
	}
	return "", usagef("unknown --env %q (want sandbox or aws)", f.env)
}

// target is a cloud to qualify in, and how to let it go.
type target struct {
	cloud qualstate.Cloud
	close func() error
	// endpoint is the embedded sandbox's URL ("" for AWS).
	endpoint string
}

// openTarget connects to the TEST environment: the embedded sandbox
// (started here, its state in HOME/sandbox) or AWS.
func openTarget(ctx context.Context, home string, f targetFlags) (*target, error) {
	name, err := f.envName()
	if err != nil {
		return nil, err
	}
	if name == "aws" {
		c, err := aws.New(ctx, aws.Options{Region: f.region, Profile: f.profile, EndpointURL: f.endpoint})
		if err != nil {
			return nil, err
		}
		return &target{cloud: c, close: func() error { return nil }}, nil
	}
	return startSandbox(ctx, filepath.Join(home, sandboxDir), f)
}

// startSandbox runs the sandbox in this process on a loopback port and
// returns a client of it. One process at a time may use a sandbox
// directory: the state is loaded once and then owned.
func startSandbox(ctx context.Context, dir string, f targetFlags) (*target, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "sandbox directory: %w", err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	sb, err := sandbox.New(sandbox.Options{DataDir: dir, Region: f.region, ResourceDelay: f.sandboxDelay})
	if err != nil {
		unlock()
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "sandbox: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		sb.Close()
		unlock()
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "sandbox: %w", err)
	}
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop := func() error {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(shutdown)
		err = errors.Join(err, sb.Close())
		unlock()
		return err
	}
	c, err := aws.New(ctx, aws.Options{
		Region: sb.Region(), EndpointURL: "http://" + ln.Addr().String(), EnvName: "sandbox",
		AccessKeyID: "qualstate", SecretAccessKey: "sandbox",
	})
	if err != nil {
		return nil, errors.Join(err, stop())
	}
	return &target{cloud: c, close: stop, endpoint: "http://" + ln.Addr().String()}, nil
}

// lockDir takes an exclusive lock on dir for this process, or says which
// directory is busy.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "sandbox lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{},
			"the sandbox in %s is in use by another qualstate process; wait for it, or give this one its own --home", dir)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// environmentOf reopens the target a recorded run used: the embedded
// sandbox for a sandbox run, else AWS (with the recorded endpoint unless
// one is given).
func environmentOf(run *qualstate.Run, f targetFlags) targetFlags {
	if f.env == "" {
		f.env = run.Environment.Name
		if f.env != "sandbox" {
			f.env = "aws"
			if f.endpoint == "" {
				f.endpoint = run.Environment.Endpoint
			}
		}
	}
	if f.region == "" {
		f.region = run.Environment.Region
	}
	return f
}
