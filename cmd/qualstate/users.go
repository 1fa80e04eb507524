package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"qualstate"
	"qualstate/sign"
)

// userFlags are the flags every user-management command shares.
type userFlags struct {
	home string
	auth authFlags
}

func (f *userFlags) register(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&f.home, "home", "", "directory of the records (default $QUALSTATE_HOME or ~/.qualstate)")
	f.auth.register(cmd.PersistentFlags())
}

func newUserCommand() *cobra.Command {
	var f userFlags
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage qualstate users: add, list, roles, disable, enable, unlock, passwd",
		Long: `Users sign in to qualstate and sign records electronically. Each has a
unique id that is never given to anyone else (users are disabled, never
deleted), a printed name shown with their signatures, and roles:

  engineer   qualifies templates, requests waivers
  reviewer   reviews and rejects qualification runs
  approver   approves (certifies) runs; approves, rejects and revokes waivers
  auditor    reads and verifies the records, changes nothing
  admin      manages users and settings

The first user added must be an admin; no sign-in is needed for it. From
then on every change to the records needs a signed-in user.

Passwords are read from the terminal without echo. For automation,
--password-stdin reads them from standard input, one per line, in the order
the command asks for them: the acting user's password first, then any new
password.`,
		Args: cobra.NoArgs,
	}
	f.register(cmd)
	cmd.AddCommand(newUserAddCommand(&f), newUserListCommand(&f), newUserRolesCommand(&f),
		newUserStateCommand(&f, "disable", "Disable a user: they can no longer sign in; their id stays reserved"),
		newUserStateCommand(&f, "enable", "Enable a disabled user again"),
		newUserStateCommand(&f, "unlock", "Unlock a user locked out after failed sign-ins"),
		newUserPasswdCommand(&f))
	return cmd
}

// withAdmin runs fn for a signed-in admin (or, for the very first user,
// for nobody: by is nil).
func withAdmin(cmd *cobra.Command, f *userFlags, first bool, fn func(r *records, by *sign.Identity) error) error {
	return withRecords(cmd, f.home, func(r *records) error {
		users, err := hasUsers(cmd.Context(), r.store)
		if err != nil {
			return err
		}
		if !users && first {
			cmd.SetContext(qualstate.WithActor(cmd.Context(), osActor()))
			return fn(r, nil)
		}
		a, err := r.requireActor(cmd, f.auth)
		if err != nil {
			return err
		}
		defer a.end(cmd.Context(), r)
		cmd.SetContext(a.ctx(cmd.Context()))
		return fn(r, a.id)
	})
}

func newUserAddCommand(f *userFlags) *cobra.Command {
	var name, email, roles string
	cmd := &cobra.Command{
		Use:   "add ID --name 'PRINTED NAME' --role ROLE[,ROLE]",
		Short: "Add a user (the first user must be an admin)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rs, err := qualstate.ParseRoles(roles)
			if err != nil {
				return usagef("--role: %w", err)
			}
			if strings.TrimSpace(name) == "" {
				return usagef("--name: give the user's printed name (it is shown with their signatures)")
			}
			return withAdmin(cmd, f, true, func(r *records, by *sign.Identity) error {
				pw, err := r.passwords(cmd, f.auth.passwordStdin).newPassword()
				if err != nil {
					return err
				}
				u := qualstate.User{ID: args[0], Name: strings.TrimSpace(name), Email: email, Roles: rs}
				if err := r.sign.AddUser(cmd.Context(), by, u, pw); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "user %s (%s) added with roles %s\n", u.ID, u.Name, roleList(rs))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "printed name, shown with every signature")
	cmd.Flags().StringVar(&email, "email", "", "e-mail address")
	cmd.Flags().StringVar(&roles, "role", "", "roles, comma-separated: engineer, reviewer, approver, auditor, admin")
	return cmd
}

func roleList(rs []qualstate.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func newUserListCommand(f *userFlags) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List users, disabled ones too",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(&f.home, func(store qualstate.Store, _ string) error {
				users, err := store.Users(cmd.Context())
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				switch format {
				case "json":
					enc := json.NewEncoder(out)
					enc.SetIndent("", "  ")
					return enc.Encode(users)
				case "text":
				default:
					return usagef("unknown --format %q (want text or json)", format)
				}
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tROLES\tSTATE\tADDED (UTC)")
				for _, u := range users {
					state := "enabled"
					if u.Disabled {
						state = "disabled"
					}
					if c, err := store.Credential(cmd.Context(), u.ID); err == nil && c.LockedUntil.After(clock()) {
						state += ", locked until " + c.LockedUntil.UTC().Format(time.RFC3339)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.Name, roleList(u.Roles), state, u.Created.UTC().Format("2006-01-02 15:04"))
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "text or json")
	return cmd
}

func newUserRolesCommand(f *userFlags) *cobra.Command {
	var roles, reason string
	cmd := &cobra.Command{
		Use:   "roles ID --role ROLE[,ROLE]",
		Short: "Set a user's roles",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rs, err := qualstate.ParseRoles(roles)
			if err != nil {
				return usagef("--role: %w", err)
			}
			return withAdmin(cmd, f, false, func(r *records, by *sign.Identity) error {
				ctx := qualstate.WithReason(cmd.Context(), reason)
				if err := r.sign.SetRoles(ctx, by, args[0], rs); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "user %s now has roles %s\n", args[0], roleList(rs))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&roles, "role", "", "roles, comma-separated")
	cmd.Flags().StringVar(&reason, "reason", "", "why (recorded in the audit trail)")
	return cmd
}

// newUserStateCommand makes disable, enable and unlock: one user id, an
// admin, a reason.
func newUserStateCommand(f *userFlags, verb, short string) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   verb + " ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withAdmin(cmd, f, false, func(r *records, by *sign.Identity) error {
				ctx := qualstate.WithReason(cmd.Context(), reason)
				var err error
				switch verb {
				case "disable":
					err = r.sign.Disable(ctx, by, args[0], reason)
				case "enable":
					err = r.sign.Enable(ctx, by, args[0], reason)
				default:
					err = r.sign.Unlock(ctx, by, args[0], reason)
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "user %s: %sd\n", args[0], strings.TrimSuffix(verb, "e"))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (recorded in the audit trail)")
	return cmd
}

func newUserPasswdCommand(f *userFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "passwd [ID]",
		Short: "Change your password, or (admin) set another user's, who must then change it",
		Long: `passwd without an id changes the password of --user (or the signed-in
user): the current password, then the new one. With an id, an admin sets
that user's password (the admin's password, then the new one); the user
must change it before signing anything.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				return withAdmin(cmd, f, false, func(r *records, by *sign.Identity) error {
					pw, err := r.passwords(cmd, f.auth.passwordStdin).newPassword()
					if err != nil {
						return err
					}
					if err := r.sign.ResetPassword(cmd.Context(), by, args[0], pw); err != nil {
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "password of %s set; they must change it before signing\n", args[0])
					return nil
				})
			}
			return withRecords(cmd, f.home, func(r *records) error {
				in := r.passwords(cmd, f.auth.passwordStdin)
				id := cmp.Or(f.auth.user, os.Getenv(userEnv))
				if id == "" {
					if a, err := r.authenticate(cmd, authFlags{}); err == nil && a != nil {
						id = a.id.User.ID
					}
				}
				if id == "" {
					return usagef("give --user ID (or sign in first)")
				}
				old, err := in.read("Current password: ", false)
				if err != nil {
					return err
				}
				pw, err := in.newPassword()
				if err != nil {
					return err
				}
				ctx := qualstate.WithActor(cmd.Context(), id)
				if err := r.sign.ChangePassword(ctx, id, old, pw); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "password of %s changed\n", id)
				return nil
			})
		},
	}
	return cmd
}

func newLoginCommand() *cobra.Command {
	var home, id string
	var stdin bool
	cmd := &cobra.Command{
		Use:   "login --user ID",
		Short: "Sign in: later commands act as you until you sign out or the session times out",
		Long: `login opens a session with your user id and password. Commands then act as
you without asking again, except signatures: the first signature of a
session asks for your user id and password again, later ones for the
password (21 CFR 11.200(a)(1)). The session ends with logout, after
auth.session-idle without use, or after auth.session-max.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id = cmp.Or(id, os.Getenv(userEnv))
			if id == "" {
				return usagef("give --user ID")
			}
			return withRecords(cmd, home, func(r *records) error {
				pw, err := r.passwords(cmd, stdin).read(promptPass, false)
				if err != nil {
					return err
				}
				token, ident, err := r.sign.Login(cmd.Context(), id, pw)
				if err != nil {
					return err
				}
				if err := writeSecretFile(filepath.Join(r.home, sessionFile), token); err != nil {
					_ = r.sign.Logout(cmd.Context(), token)
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "signed in as %s (%s) until %s at the latest\n",
					ident.User.Name, ident.User.ID, ident.Session.Expires.UTC().Format(time.RFC3339))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&home, "home", "", "directory of the records (default $QUALSTATE_HOME or ~/.qualstate)")
	cmd.Flags().StringVarP(&id, "user", "u", "", "your user id")
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input")
	return cmd
}

func newLogoutCommand() *cobra.Command {
	var home string
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Sign out: end the session of login",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withRecords(cmd, home, func(r *records) error {
				path := filepath.Join(r.home, sessionFile)
				token, err := os.ReadFile(path)
				if os.IsNotExist(err) {
					fmt.Fprintln(cmd.OutOrStdout(), "not signed in")
					return nil
				}
				if err != nil {
					return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "session: %w", err)
				}
				lerr := r.sign.Logout(cmd.Context(), strings.TrimSpace(string(token)))
				if err := os.Remove(path); err != nil {
					return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "session: %w", err)
				}
				if lerr == nil {
					fmt.Fprintln(cmd.OutOrStdout(), "signed out")
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&home, "home", "", "directory of the records (default $QUALSTATE_HOME or ~/.qualstate)")
	return cmd
}

// writeSecretFile writes a secret readable by its owner only.
func writeSecretFile(path, secret string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(secret+"\n"), 0o600); err != nil {
		return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "session: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return qualstate.Errorf(qualstate.ErrEnvironment, qualstate.Location{}, "session: %w", err)
	}
	return nil
}
