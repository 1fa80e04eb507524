// Command qualstate qualifies AWS CloudFormation templates against
// requirements as code and keeps the evidence an auditor accepts.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/cobra"

	"qualstate"
)

// Exit codes, as documented in README.md.
const (
	exitOK          = 0
	exitFindings    = 1 // requirement failures at or above --fail-on
	exitInput       = 2 // usage or input error
	exitEnvironment = 3 // cloud, database, network
	exitDenied      = 4 // refused: permission, sign-in, separation of duties
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// findingsError carries exit code 1 through cobra: the command ran and
// reported, but requirements failed.
type findingsError struct{ summary string }

func (e *findingsError) Error() string { return e.summary }

// usageError marks a mistake on the command line (exit 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// profileFile is the open --cpuprofile file while a command runs.
var profileFile *os.File

// run executes the command line and returns the process exit code; main and
// the tests share it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if profileFile != nil {
		pprof.StopCPUProfile()
		profileFile.Close()
		profileFile = nil
	}
	if err == nil {
		return exitOK
	}
	var fe *findingsError
	if errors.As(err, &fe) {
		return exitFindings
	}
	fmt.Fprintf(stderr, "qualstate: %v\n", err)
	return exitCode(err)
}

// exitCode maps an error to the documented exit codes.
func exitCode(err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		return exitInput
	}
	switch qualstate.CodeOf(err) {
	case qualstate.ErrInvalidInput, qualstate.ErrNotFound, qualstate.ErrConflict:
		return exitInput
	case qualstate.ErrDenied:
		return exitDenied
	case qualstate.ErrEnvironment:
		return exitEnvironment
	}
	// cobra's own argument and flag errors are usage errors.
	return exitInput
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "qualstate",
		Short: "Continuous qualification of AWS infrastructure",
		Long: `qualstate qualifies CloudFormation templates against requirements as code
(GxP, NIST 800-53, PCI DSS, HIPAA) and keeps the evidence an auditor accepts.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	var cpuProfile string
	root.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile to `FILE` (for performance work)")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if cpuProfile == "" {
			return nil
		}
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		profileFile = f
		return pprof.StartCPUProfile(f)
	}
	root.AddCommand(newCheckCommand(), newQualifyCommand(), newRunsCommand(), newRequirementsCommand(), newSandboxCommand(), newDemoCommand(), newVersionCommand(),
		newReviewCommand(), newApproveCommand(), newRejectCommand(), newSignaturesCommand(), newCertificateCommand(),
		newWaiverCommand(), newUserCommand(), newLoginCommand(), newLogoutCommand(), newAuditCommand(), newConfigCommand(),
		newInstanceCommand(), newMonitorCommand(), newDeviationsCommand(), newTreatCommand())
	return root
}
