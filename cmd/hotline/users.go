package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

// storeFlag is the --store flag of commands that open the store file
// themselves (Hotline stopped).
type storeFlag struct{ path string }

func (s *storeFlag) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.path, "store", "", "store file (default: the config's store.path); Hotline must be stopped")
}

func (s *storeFlag) open(g *globalOptions, readOnly bool) (*store.DB, error) {
	path := s.path
	if path == "" {
		var err error
		if path, err = storeFile(g, nil); err != nil {
			return nil, err
		}
	}
	return store.Open(path, store.Options{ReadOnly: readOnly, LockTimeout: time.Second})
}

func newUsersCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "users",
		Short: "Users of the API and web desk: add, change password, disable, list",
		Long: `Users sign in to the API and the web desk with a role: agent, supervisor or
admin. There is no default user or password: create the first admin with
"hotline users add NAME --role admin" (the password is read from the terminal,
standard input or --password-file). Passwords are kept as argon2id hashes.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newUsersAddCmd(g), newUsersPasswdCmd(g), newUsersDisableCmd(g, true), newUsersDisableCmd(g, false), newUsersListCmd(g))
	return cmd
}

// readPassword reads a password from file, else one line of standard input.
func readPassword(file string, in io.Reader) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("no password on standard input (or use --password-file)")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func newUsersAddCmd(g *globalOptions) *cobra.Command {
	var sf storeFlag
	var roleName, agent, pwFile string
	var teams []string
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Create a user (the password from standard input or --password-file)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := auth.CheckName(name); err != nil {
				return invalidArg(err)
			}
			role, err := auth.ParseRole(roleName)
			if err != nil {
				return invalidArg(err)
			}
			if role == auth.Agent && agent == "" {
				return invalidArg(fmt.Errorf("an agent user needs --agent ID (the agent it works as)"))
			}
			pw, err := readPassword(pwFile, cmd.InOrStdin())
			if err != nil {
				return invalidArg(err)
			}
			if err := auth.CheckPassword(name, pw); err != nil {
				return invalidArg(err)
			}
			db, err := sf.open(g, false)
			if err != nil {
				return err
			}
			defer db.Close()
			if _, err := db.User(name); err == nil {
				return invalidArg(fmt.Errorf("user %q exists already (hotline users passwd to change the password)", name))
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			hash, err := auth.HashPassword(pw, auth.DefaultParams)
			if err != nil {
				return err
			}
			u := &auth.User{Name: name, Role: role, Agent: agent, Teams: teams, Hash: hash, Created: time.Now().UTC()}
			if err := db.SaveUser(u); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %q added (%s)\n", name, role)
			return nil
		},
	}
	sf.add(cmd)
	cmd.Flags().StringVar(&roleName, "role", "agent", "agent | supervisor | admin")
	cmd.Flags().StringVar(&agent, "agent", "", "the agent id this user works as")
	cmd.Flags().StringSliceVar(&teams, "team", nil, "queues a supervisor oversees (default: all)")
	cmd.Flags().StringVar(&pwFile, "password-file", "", "read the password from this file instead of standard input")
	return cmd
}

func newUsersPasswdCmd(g *globalOptions) *cobra.Command {
	var sf storeFlag
	var pwFile string
	cmd := &cobra.Command{
		Use:   "passwd NAME",
		Short: "Set a user's password (and lift a lockout)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := readPassword(pwFile, cmd.InOrStdin())
			if err != nil {
				return invalidArg(err)
			}
			if err := auth.CheckPassword(args[0], pw); err != nil {
				return invalidArg(err)
			}
			db, err := sf.open(g, false)
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := db.User(args[0])
			if err != nil {
				return err
			}
			if u.Hash, err = auth.HashPassword(pw, auth.DefaultParams); err != nil {
				return err
			}
			u.FailedLogins, u.LockedUntil = 0, time.Time{}
			if err := db.SaveUser(u); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "password of %q changed\n", u.Name)
			return nil
		},
	}
	sf.add(cmd)
	cmd.Flags().StringVar(&pwFile, "password-file", "", "read the password from this file instead of standard input")
	return cmd
}

func newUsersDisableCmd(g *globalOptions, disable bool) *cobra.Command {
	var sf storeFlag
	use, short := "enable NAME", "Let a disabled user sign in again"
	if disable {
		use, short = "disable NAME", "Stop a user from signing in (their tokens stop working too)"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := sf.open(g, false)
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := db.User(args[0])
			if err != nil {
				return err
			}
			u.Disabled = disable
			if err := db.SaveUser(u); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %q %sd\n", u.Name, strings.Fields(use)[0])
			return nil
		},
	}
	sf.add(cmd)
	return cmd
}

func newUsersListCmd(g *globalOptions) *cobra.Command {
	var sf storeFlag
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := sf.open(g, true)
			if err != nil {
				return err
			}
			defer db.Close()
			users, err := db.Users()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE\tAGENT\tTEAMS\tSTATUS")
			for _, u := range users {
				status := "active"
				if u.Disabled {
					status = "disabled"
				} else if u.Locked(time.Now()) {
					status = "locked until " + u.LockedUntil.Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, u.Agent, strings.Join(u.Teams, ","), status)
			}
			return tw.Flush()
		},
	}
	sf.add(cmd)
	return cmd
}

func newTokensCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tokens",
		Short: "API tokens for integrations and scripts: create, list, revoke",
		Args:  cobra.NoArgs,
	}
	var sf storeFlag
	var user, roleName, name string
	create := &cobra.Command{
		Use:   "create --user NAME",
		Short: "Create a token (printed once; only its hash is kept)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := sf.open(g, false)
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := db.User(user)
			if err != nil {
				return err
			}
			role := u.Role
			if roleName != "" {
				if role, err = auth.ParseRole(roleName); err != nil {
					return invalidArg(err)
				}
				if !u.Role.Allows(role) {
					return invalidArg(fmt.Errorf("--role %s is above user %q's role %s", role, u.Name, u.Role))
				}
			}
			tok, secret, err := auth.NewToken(u.Name, role, name, time.Now().UTC())
			if err != nil {
				return err
			}
			if err := db.SaveToken(&tok); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "token %s for %q (%s); keep the secret, it is not shown again:\n%s\n", tok.ID, u.Name, role, secret)
			return nil
		},
	}
	sf.add(create)
	create.Flags().StringVar(&user, "user", "", "the user the token acts as (required)")
	create.Flags().StringVar(&roleName, "role", "", "a lower role than the user's, to narrow the token")
	create.Flags().StringVar(&name, "name", "", "what the token is for")
	_ = create.MarkFlagRequired("user")

	var sfr storeFlag
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := sfr.open(g, false)
			if err != nil {
				return err
			}
			defer db.Close()
			t, err := db.Token(args[0])
			if err != nil {
				return err
			}
			t.Revoked = true
			if err := db.SaveToken(t); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "token %s revoked\n", t.ID)
			return nil
		},
	}
	sfr.add(revoke)

	var sfl storeFlag
	list := &cobra.Command{
		Use:   "list",
		Short: "List tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := sfl.open(g, true)
			if err != nil {
				return err
			}
			defer db.Close()
			toks, err := db.Tokens()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tUSER\tROLE\tNAME\tCREATED\tSTATUS")
			for _, t := range toks {
				status := "active"
				if t.Revoked {
					status = "revoked"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.User, t.Role, t.Name, t.Created.Format(time.RFC3339), status)
			}
			return tw.Flush()
		},
	}
	sfl.add(list)
	cmd.AddCommand(create, revoke, list)
	return cmd
}
