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
type storeFlag struct {
	path   string
	create bool // --create: make the store if there is none (a new install)
	named  bool // a read of a missing store is refused naming it (openStoreFlagAs)
}

func (s *storeFlag) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.path, "store", "", "store file (default: the config's store.path); Hotline must be stopped")
}

// addCreate adds --create, to a command that may start a new install's
// store; without it, a command finding no store stops rather than make a
// second one at a mistyped path.
func (s *storeFlag) addCreate(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&s.create, "create", false, "make a new, empty store if there is none at the path (a new install)")
}

func (s *storeFlag) open(g *globalOptions, readOnly bool) (*store.DB, error) {
	return openStoreFlagAs(g, s.path, readOnly, s.create, s.named)
}

// with opens the store (read-only for commands that only read), runs fn
// on it and closes it.
func (s *storeFlag) with(g *globalOptions, readOnly bool, fn func(*store.DB) error) error {
	db, err := s.open(g, readOnly)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

// storeCmd makes cmd a command on the store file: its --store flag added,
// and run given the open store (readOnly for commands that only read).
func storeCmd(g *globalOptions, cmd *cobra.Command, readOnly bool, run func(cmd *cobra.Command, args []string, db *store.DB) error) *cobra.Command {
	sf := storeFlag{named: true}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return sf.with(g, readOnly, func(db *store.DB) error { return run(cmd, args, db) })
	}
	sf.add(cmd)
	return cmd
}

// printTable writes a header and rows of tab-separated cells in aligned
// columns.
func printTable(w io.Writer, header string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

func newUsersCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "users",
		Short: "Users of the API and web desk: add, change password, disable, list",
		Long: `Users sign in to the API and the web desk with a role: agent, supervisor or
admin. There is no default user or password: create the first admin with
"hotline users add NAME --role admin --create" (--create makes the store on a
new install; the password is read from the terminal, standard input or
--password-file). Passwords are kept as argon2id hashes.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newUsersAddCmd(g), newUsersPasswdCmd(g), newUsersDisableCmd(g, true), newUsersDisableCmd(g, false), newUsersListCmd(g))
	return cmd
}

// addPasswordFileFlag adds --password-file, read by newPassword.
func addPasswordFileFlag(cmd *cobra.Command, file *string) {
	cmd.Flags().StringVar(file, "password-file", "", "read the password from this file instead of standard input")
}

// newPassword reads user's new password (from file, else standard input)
// and checks it; what is wrong with it is an invalid argument.
func newPassword(cmd *cobra.Command, file, user string) (string, error) {
	pw, err := readPassword(file, cmd.InOrStdin())
	if err == nil {
		err = auth.CheckPassword(user, pw)
	}
	if err != nil {
		return "", invalidArg(err)
	}
	return pw, nil
}

// updateUser reads a user, changes it and saves it.
func updateUser(db *store.DB, name string, change func(u *auth.User) error) (*auth.User, error) {
	u, err := db.User(name)
	if err != nil {
		return nil, err
	}
	if err := change(u); err != nil {
		return nil, err
	}
	return u, db.SaveUser(u)
}

// keepAnAdmin refuses to disable name when it is the last enabled admin,
// as the API does: no one could then manage users or the config from the
// pages.
func keepAnAdmin(db *store.DB, name string) error {
	users, err := db.Users()
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Name != name && u.Role == auth.Admin && !u.Disabled {
			return nil
		}
	}
	return fmt.Errorf("user %q is the last enabled admin: make another admin first", name)
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
			if err := knownAgent(g, agent); err != nil {
				return err
			}
			pw, err := newPassword(cmd, pwFile, name)
			if err != nil {
				return err
			}
			return sf.with(g, false, func(db *store.DB) error {
				if _, err := db.User(name); err == nil {
					return invalidArg(fmt.Errorf("user %q exists already (hotline users passwd to change the password)", name))
				} else if !errors.Is(err, store.ErrNotFound) {
					return err
				}
				if users, err := db.Users(); err != nil {
					return err
				} else if other := auth.NameTaken(users, name); other != "" {
					return invalidArg(fmt.Errorf("user %q differs from the user %q only in case; pick another name", name, other))
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
			})
		},
	}
	sf.add(cmd)
	sf.addCreate(cmd)
	cmd.Flags().StringVar(&roleName, "role", "agent", "agent | supervisor | admin")
	cmd.Flags().StringVar(&agent, "agent", "", "the agent id this user works as")
	cmd.Flags().StringSliceVar(&teams, "team", nil, "queues a supervisor oversees besides their teams (deprecated: name the user under teams[].supervisors in the config)")
	addPasswordFileFlag(cmd, &pwFile)
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
			pw, err := newPassword(cmd, pwFile, args[0])
			if err != nil {
				return err
			}
			return sf.with(g, false, func(db *store.DB) error {
				u, err := updateUser(db, args[0], func(u *auth.User) (err error) {
					u.FailedLogins, u.LockedUntil = 0, time.Time{}
					u.Hash, err = auth.HashPassword(pw, auth.DefaultParams)
					return err
				})
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "password of %q changed\n", u.Name)
				return nil
			})
		},
	}
	sf.add(cmd)
	addPasswordFileFlag(cmd, &pwFile)
	return cmd
}

func newUsersDisableCmd(g *globalOptions, disable bool) *cobra.Command {
	use, short := "enable NAME", "Let a disabled user sign in again"
	if disable {
		use, short = "disable NAME", "Stop a user from signing in (their tokens stop working too)"
	}
	return storeCmd(g, &cobra.Command{Use: use, Short: short, Args: cobra.ExactArgs(1)}, false,
		func(cmd *cobra.Command, args []string, db *store.DB) error {
			u, err := updateUser(db, args[0], func(u *auth.User) error {
				if disable && u.Role == auth.Admin && !u.Disabled {
					if err := keepAnAdmin(db, u.Name); err != nil {
						return err
					}
				}
				u.Disabled = disable
				return nil
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %q %sd\n", u.Name, strings.Fields(use)[0])
			return nil
		})
}

func newUsersListCmd(g *globalOptions) *cobra.Command {
	return storeCmd(g, &cobra.Command{Use: "list", Short: "List users", Args: cobra.NoArgs}, true,
		func(cmd *cobra.Command, _ []string, db *store.DB) error {
			users, err := db.Users()
			if err != nil {
				return err
			}
			var rows [][]string
			for _, u := range users {
				status := "active"
				if u.Disabled {
					status = "disabled"
				} else if u.Locked(time.Now()) {
					status = "locked until " + u.LockedUntil.Format(time.RFC3339)
				}
				rows = append(rows, []string{u.Name, u.Role.String(), u.Agent, strings.Join(u.Teams, ","), status})
			}
			return printTable(cmd.OutOrStdout(), "NAME\tROLE\tAGENT\tTEAMS\tSTATUS", rows)
		})
}

func newTokensCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tokens",
		Short: "API tokens for integrations and scripts: create, list, revoke",
		Args:  cobra.NoArgs,
	}
	var user, roleName, name string
	create := storeCmd(g, &cobra.Command{
		Use:   "create --user NAME",
		Short: "Create a token (printed once; only its hash is kept)",
		Args:  cobra.NoArgs,
	}, false, func(cmd *cobra.Command, _ []string, db *store.DB) error {
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
	})
	create.Flags().StringVar(&user, "user", "", "the user the token acts as (required)")
	create.Flags().StringVar(&roleName, "role", "", "a lower role than the user's, to narrow the token")
	create.Flags().StringVar(&name, "name", "", "what the token is for")
	_ = create.MarkFlagRequired("user")

	revoke := storeCmd(g, &cobra.Command{Use: "revoke ID", Short: "Revoke a token", Args: cobra.ExactArgs(1)}, false,
		func(cmd *cobra.Command, args []string, db *store.DB) error {
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
		})

	list := storeCmd(g, &cobra.Command{Use: "list", Short: "List tokens (never their secrets)", Args: cobra.NoArgs}, true,
		func(cmd *cobra.Command, _ []string, db *store.DB) error {
			toks, err := db.Tokens()
			if err != nil {
				return err
			}
			var rows [][]string
			for _, t := range toks {
				status := "active"
				if t.Revoked {
					status = "revoked"
				}
				rows = append(rows, []string{t.ID, t.User, t.Role.String(), t.Name, t.Created.Format(time.RFC3339), status})
			}
			return printTable(cmd.OutOrStdout(), "ID\tUSER\tROLE\tNAME\tCREATED\tSTATUS", rows)
		})
	cmd.AddCommand(create, revoke, list)
	return cmd
}

// knownAgent refuses an --agent the config file does not have, as the
// API's user form does: the user's desk would have no agent to work as.
// Without a config file (a store named by --store alone) there is nothing
// to check against.
func knownAgent(g *globalOptions, agent string) error {
	if agent == "" {
		return nil
	}
	cfg, err := g.loadConfig()
	if err != nil || cfg.File() == "" {
		return nil
	}
	known := make([]string, 0, len(cfg.Agents))
	for _, a := range cfg.Agents {
		if a.ID == agent {
			return nil
		}
		known = append(known, a.ID)
	}
	return invalidArg(fmt.Errorf("--agent %q: unknown agent; known: %s (%s)", agent, strings.Join(known, ", "), cfg.File()))
}
