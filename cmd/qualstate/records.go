package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"qualstate"
	"qualstate/ledger"
	"qualstate/notify"
	"qualstate/sign"
	"qualstate/sqlite"
	"qualstate/treat"
)

// presentSettings leaves out settings set to "": that is how a setting is
// taken back.
func presentSettings(s map[string]string) map[string]string {
	out := make(map[string]string, len(s))
	for k, v := range s {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// Files of a home directory besides the store and the sandbox.
const (
	keyFile     = "instance.key"      // the installation's Ed25519 key
	witnessFile = "audit.checkpoint"  // the newest signed checkpoint, outside the database
	sessionFile = "session"           // the signed-in user's session token
	userEnv     = "QUALSTATE_USER"    // the user id when --user is not given
	sealEvery   = 2 * time.Second     // how often a long command seals the audit trail
	promptUser  = "User id: "         // asked at a session's first signature
	promptPass  = "Password: "        // asked for every signature
	promptNewPw = "New password: "    // asked when a password is set
	promptAgain = "Repeat password: " // asked on a terminal to catch typing mistakes
)

// clock is the time the records, signatures and waivers are judged at;
// tests move it to see a waiver expire without waiting for it.
var clock = time.Now

// records is a home's record store with its audit trail and its signing
// service, open for one command.
type records struct {
	home  string
	store *sqlite.Store
	key   *qualstate.InstanceKey
	log   *ledger.Log
	sign  *sign.Service
	// stopSealing ends the background sealing of a long command and
	// waits for it.
	stopSealing func()
	// input is the command's one reader of passwords, so that lines of
	// standard input are read in order by whoever asks.
	input *passwordInput
}

// passwords returns the command's password reader.
func (r *records) passwords(cmd *cobra.Command, stdin bool) *passwordInput {
	if r.input == nil {
		r.input = &passwordInput{cmd: cmd, stdin: stdin}
	}
	return r.input
}

// openRecords opens the records of a home for a command that may change
// them. Every change is appended to the audit trail by the store; close
// seals the trail (hashes the new events into the Merkle tree and signs a
// checkpoint), and so does a background loop while the command runs.
func openRecords(ctx context.Context, home string) (*records, error) {
	store, err := openStore(home)
	if err != nil {
		return nil, err
	}
	key, err := instanceKey(ctx, home, store)
	if err != nil {
		store.Close()
		return nil, err
	}
	r := &records{
		home: home, store: store, key: key,
		log:  ledger.Open(store, key, ledger.Options{Witness: filepath.Join(home, witnessFile)}),
		sign: sign.New(store, key, clock),
	}
	// Monitoring's settings are kept and audited with the others; their
	// owners validate them.
	r.sign.AcceptSettings("notify.", func(s map[string]string) error {
		_, err := notify.Targets(presentSettings(s))
		return err
	})
	r.sign.AcceptSettings("treat.", func(s map[string]string) error {
		_, err := treat.ParseConfig(presentSettings(s))
		return err
	})
	sealCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.log.Run(sealCtx, sealEvery)
	}()
	// Waiting for the loop to end keeps a seal in progress from meeting
	// the store closed under it.
	r.stopSealing = func() { cancel(); <-done }
	return r, nil
}

// close seals what the command recorded and closes the store. Sealing runs
// even when the command's context was cancelled: what was recorded must
// be covered by a checkpoint.
func (r *records) close() error {
	r.stopSealing()
	_, err := r.log.Seal(context.Background())
	return errors.Join(err, r.store.Close())
}

// instanceKey loads the home's instance key, making one when the audit
// trail is empty. A trail without its key is never given a new one: the
// checkpoints and signatures made with the lost key could no longer be
// told from forgeries.
func instanceKey(ctx context.Context, home string, store qualstate.Store) (*qualstate.InstanceKey, error) {
	path := filepath.Join(home, keyFile)
	key, err := qualstate.LoadKey(path)
	if err == nil {
		return key, nil
	}
	if !errors.Is(err, qualstate.ErrNoKey) {
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "%w", err)
	}
	cps, cerr := store.AuditCheckpoints(ctx)
	if cerr != nil {
		return nil, cerr
	}
	if len(cps) > 0 {
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{},
			"the instance key %s is missing but the audit trail has %d signed checkpoints: restore the key from its backup", path, len(cps))
	}
	host, _ := os.Hostname()
	key, err = qualstate.GenerateKey("qualstate-" + keyName(host))
	if err != nil {
		return nil, qualstate.Errorf(qualstate.ErrInternal, qualstate.Location{}, "%w", err)
	}
	if err := key.WriteFile(path); err != nil {
		// Another process may have made it first: use that one.
		if k, lerr := qualstate.LoadKey(path); lerr == nil {
			return k, nil
		}
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "%w", err)
	}
	return key, nil
}

// keyName keeps the characters a signed note's key name may hold.
func keyName(host string) string {
	b := strings.Map(func(r rune) rune {
		if r > ' ' && r < 0x7f && r != '+' {
			return r
		}
		return -1
	}, host)
	if b == "" {
		return "local"
	}
	return b
}

// osActor names the operating-system account a command runs as, for the
// records of a home without qualstate users.
func osActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return qualstate.ActorOSPrefix + u.Username
	}
	return qualstate.ActorOSPrefix + cmp.Or(os.Getenv("USER"), "unknown")
}

// authFlags say who acts: a user id (with the password read from the
// terminal or, for automation, the first line of standard input), or the
// session of `qualstate login`.
type authFlags struct {
	user          string
	passwordStdin bool
}

func (f *authFlags) register(fl *pflag.FlagSet) {
	fl.StringVarP(&f.user, "user", "u", "", "act as this qualstate user (default $"+userEnv+", else the signed-in session)")
	fl.BoolVar(&f.passwordStdin, "password-stdin", false, "read passwords from standard input, one per line, instead of the terminal")
}

// actor is the user a command acts for, and how to sign as them.
type actor struct {
	id *sign.Identity
	// components given when the command started (--user): both, so any
	// signature may use them.
	comp  sign.Components
	token string
	// oneOff is a session opened for this command alone, ended with it.
	oneOff bool
	input  *passwordInput
}

// passwordInput reads passwords from the terminal without echo, or lines
// of standard input with --password-stdin.
type passwordInput struct {
	cmd   *cobra.Command
	stdin bool
	lines *bufio.Reader
}

// read returns one secret (or, with echo, a user id).
func (p *passwordInput) read(prompt string, echo bool) (string, error) {
	if p.stdin {
		if p.lines == nil {
			p.lines = bufio.NewReader(p.cmd.InOrStdin())
		}
		line, err := p.lines.ReadString('\n')
		if err != nil && (err != io.EOF || line == "") {
			return "", usagef("--password-stdin: expected a line for %q on standard input", strings.TrimSuffix(prompt, ": "))
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", usagef("no terminal to ask %q on: use --password-stdin", strings.TrimSuffix(prompt, ": "))
	}
	fmt.Fprint(p.cmd.ErrOrStderr(), prompt)
	if echo {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil {
			return "", usagef("reading %q: %w", strings.TrimSuffix(prompt, ": "), err)
		}
		return strings.TrimSpace(line), nil
	}
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(p.cmd.ErrOrStderr())
	if err != nil {
		return "", usagef("reading the password: %w", err)
	}
	return string(b), nil
}

// newPassword asks for a password to set: twice on a terminal.
func (p *passwordInput) newPassword() (string, error) {
	pw, err := p.read(promptNewPw, false)
	if err != nil || p.stdin {
		return pw, err
	}
	again, err := p.read(promptAgain, false)
	if err != nil {
		return "", err
	}
	if again != pw {
		return "", usagef("the two passwords differ")
	}
	return pw, nil
}

// authenticate establishes who runs the command. With --user (or
// $QUALSTATE_USER) it signs in with the user id and password for this
// command alone; else it resumes the session of `qualstate login`. Without
// either it returns nil: commands that need a user say so.
func (r *records) authenticate(cmd *cobra.Command, f authFlags) (*actor, error) {
	ctx := cmd.Context()
	in := r.passwords(cmd, f.passwordStdin)
	if id := cmp.Or(f.user, os.Getenv(userEnv)); id != "" {
		pw, err := in.read(promptPass, false)
		if err != nil {
			return nil, err
		}
		token, ident, err := r.sign.Login(ctx, id, pw)
		if err != nil {
			return nil, err
		}
		return &actor{id: ident, comp: sign.Components{UserID: id, Password: pw}, token: token, oneOff: true, input: in}, nil
	}
	token, err := os.ReadFile(filepath.Join(r.home, sessionFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "session: %w", err)
	}
	ident, err := r.sign.Resume(ctx, strings.TrimSpace(string(token)))
	if err != nil {
		return nil, err
	}
	return &actor{id: ident, token: strings.TrimSpace(string(token)), input: in}, nil
}

// requireActor is authenticate for commands that change records once
// qualstate has users: it refuses to go on without a signed-in user.
func (r *records) requireActor(cmd *cobra.Command, f authFlags) (*actor, error) {
	a, err := r.authenticate(cmd, f)
	if err != nil || a != nil {
		return a, err
	}
	return nil, qualstate.Errorf(qualstate.ErrDenied, qualstate.Location{},
		"no qualstate user is signed in: run `qualstate login --user ID`, or give --user ID")
}

// end closes a session opened for this command alone.
func (a *actor) end(ctx context.Context, r *records) {
	if a != nil && a.oneOff {
		_ = r.sign.Logout(context.WithoutCancel(ctx), a.token)
	}
}

// components returns the signature components to sign with: those given
// at the start, or, in a session, the password (and at the session's
// first signature the user id too, as 21 CFR 11.200(a)(1) asks).
func (a *actor) components() (sign.Components, error) {
	if a.comp.Password != "" {
		return a.comp, nil
	}
	var c sign.Components
	if a.id.Session != nil && a.id.Session.Signings == 0 {
		id, err := a.input.read(promptUser, true)
		if err != nil {
			return c, err
		}
		c.UserID = id
	}
	pw, err := a.input.read(promptPass, false)
	c.Password = pw
	return c, err
}

// ctx returns the command's context with the actor recorded as the one
// making its changes.
func (a *actor) ctx(ctx context.Context) context.Context {
	return qualstate.WithActor(ctx, a.id.User.ID)
}

// withRecords opens a home's records, runs fn, and seals and closes them.
func withRecords(cmd *cobra.Command, homeFlag string, fn func(r *records) error) error {
	home, err := homeDir(homeFlag)
	if err != nil {
		return err
	}
	r, err := openRecords(cmd.Context(), home)
	if err != nil {
		return err
	}
	err = fn(r)
	return errors.Join(err, r.close())
}

// hasUsers reports whether qualstate users were ever added in the home:
// from then on, changes need a signed-in user.
func hasUsers(ctx context.Context, store qualstate.Store) (bool, error) {
	us, err := store.Users(ctx)
	return len(us) > 0, err
}
