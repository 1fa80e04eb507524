package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"qualstate"
	"qualstate/sandbox"
)

type sandboxFlags struct {
	addr, data, account, region string
	accessKey, secretKey        string
	resourceDelay               time.Duration
	verbose                     bool
	// eventQueue names an SQS queue the sandbox feeds with its trail as
	// EventBridge events, as an EventBridge rule does on AWS.
	eventQueue string
}

func newSandboxCommand() *cobra.Command {
	var f sandboxFlags
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the local AWS-compatible TEST environment",
		Long: `Run the sandbox: a local endpoint that speaks CloudFormation, the Cloud Control
API and STS as AWS does, so the AWS CLI and SDKs work against it with only the
endpoint set:

  qualstate sandbox --data .qualstate/sandbox &
  aws --endpoint-url http://127.0.0.1:4566 cloudformation create-stack ...
  AWS_ENDPOINT_URL=http://127.0.0.1:4566 qualstate ...

State (stacks, resources, change sets, drift results) is kept in DIR/sandbox.db
and survives a restart; without --data it lives in memory. Every mutating call
is logged as a CloudTrail record, readable with
GET /_sandbox/events?after=N (a long poll).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSandbox(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:4566", "`HOST:PORT` to listen on (loopback unless you mean otherwise)")
	fl.StringVar(&f.data, "data", "", "`DIR` for the sandbox's state file; default: in memory")
	fl.StringVar(&f.account, "account", sandbox.DefaultAccount, "account `ID` of the simulated account")
	fl.StringVar(&f.region, "region", sandbox.DefaultRegion, "`REGION` of the simulated account")
	fl.StringVar(&f.accessKey, "access-key-id", "", "accept only this access key `ID` (with --secret-access-key); default: any credentials")
	fl.StringVar(&f.secretKey, "secret-access-key", "", "the `SECRET` requests must be signed with")
	fl.DurationVar(&f.resourceDelay, "resource-delay", 0, "add `DURATION` to every resource operation, to watch stacks in progress")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "log every request to stderr")
	fl.StringVar(&f.eventQueue, "event-queue", "", "feed the SQS queue `NAME` with every change as an EventBridge event (what monitor --queue reads on AWS)")
	return cmd
}

func runSandbox(cmd *cobra.Command, f sandboxFlags) error {
	level := slog.LevelWarn
	if f.verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
	sb, err := sandbox.New(sandbox.Options{
		Account: f.account, Region: f.region, DataDir: f.data,
		AccessKeyID: f.accessKey, SecretAccessKey: f.secretKey,
		ResourceDelay: f.resourceDelay, Logger: logger, EventQueue: f.eventQueue,
	})
	if err != nil {
		return &usageError{fmt.Errorf("sandbox: %w", err)}
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		sb.Close()
		return &qualstate.Error{Code: qualstate.ErrEnvironment, Msg: fmt.Sprintf("sandbox: listen on %s: %v", f.addr, err), Err: err}
	}
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	where := "in memory"
	if f.data != "" {
		where = f.data
	}
	fmt.Fprintf(cmd.OutOrStdout(), "qualstate sandbox listening on http://%s (account %s, region %s, state %s)\n",
		ln.Addr(), f.account, f.region, where)
	if f.eventQueue != "" {
		fmt.Fprintf(cmd.OutOrStdout(), "change events as EventBridge events in SQS queue %s\n", sb.QueueURL("http://"+ln.Addr().String(), f.eventQueue))
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	ctx := cmd.Context()
	select {
	case err = <-served:
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = srv.Shutdown(shutdown)
	}
	if cerr := sb.Close(); err == nil || errors.Is(err, http.ErrServerClosed) {
		err = cerr
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return &qualstate.Error{Code: qualstate.ErrEnvironment, Msg: "sandbox: " + err.Error(), Err: err}
	}
	return nil
}
