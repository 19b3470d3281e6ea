package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/store"
)

// contactsOptions are the flags every contacts command shares.
type contactsOptions struct {
	store  string
	region string
}

func (o *contactsOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.store, "store", "", "store file (default: the config's store.path); Hotline must be stopped")
	cmd.Flags().StringVar(&o.region, "region", "US", "default country (ISO code) of numbers written without a country code")
}

// open opens the store and the contacts under the keys of the environment
// or the config's privacy.key_file.
func (o *contactsOptions) open(g *globalOptions, readOnly bool) (*store.DB, *store.Contacts, error) {
	keys, err := loadKeys(g)
	if err != nil {
		return nil, nil, err
	}
	db, err := openStoreFlag(g, o.store, readOnly, false)
	if err != nil {
		return nil, nil, err
	}
	db.SealCalls(keys, o.region)
	return db, db.Contacts(keys), nil
}

// unknownAgent names a contact's preferred agent that the config (when one
// is given) does not have; "" when it has it, or there is no config to ask.
func unknownAgent(g *globalOptions, c contact.Contact) (string, error) {
	if c.PreferredAgent == "" || g.configPath() == "" {
		return "", nil
	}
	cfg, err := g.loadConfig()
	if err != nil {
		return "", err
	}
	if slices.ContainsFunc(cfg.Agents, func(a config.Agent) bool { return a.ID == c.PreferredAgent }) {
		return "", nil
	}
	return fmt.Sprintf("preferred_agent %q: unknown agent (not in %s)", c.PreferredAgent, g.configPath()), nil
}

// cliUser names who ran a command in the audit log.
func cliUser() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}

func newContactsCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "contacts",
		Short: "Customers on record: numbers, names, tags, notes (sealed at rest)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newContactsAddCmd(g), newContactsShowCmd(g), newContactsFindCmd(g), newContactsMergeCmd(g),
		newContactsDeleteCmd(g), newContactsImportCmd(g), newContactsExportCmd(g), newContactsEraseCmd(g), newContactsPurgeCmd(g), newContactsAuditCmd(g))
	return cmd
}

func newContactsAddCmd(g *globalOptions) *cobra.Command {
	o := &contactsOptions{}
	var c contact.Contact
	var fields []string
	cmd := &cobra.Command{
		Use:   "add NUMBER...",
		Short: "Create a contact with one or more numbers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c.Phones = args
			for _, f := range fields {
				k, v, ok := strings.Cut(f, "=")
				if !ok {
					return invalidArg(fmt.Errorf("--field %q: want name=value", f))
				}
				if c.Fields == nil {
					c.Fields = map[string]string{}
				}
				c.Fields[k] = v
			}
			if err := c.Normalize(o.region); err != nil {
				return invalidArg(err)
			}
			if bad, err := unknownAgent(g, c); err != nil {
				return err
			} else if bad != "" {
				return invalidArg(errors.New("--preferred-agent: " + bad))
			}
			db, s, err := o.open(g, false)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := s.Create(&c, time.Now()); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "contact %d created\n", c.ID)
			return err
		},
	}
	o.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&c.Name, "name", "", "name")
	f.StringVar(&c.Company, "company", "", "company")
	f.StringVar(&c.Email, "email", "", "email address")
	f.StringVar(&c.Language, "language", "", "language (e.g. en, ru)")
	f.StringSliceVar(&c.Tags, "tag", nil, "tag (vip, blocked, ...); repeat or separate with commas")
	f.StringVar(&c.PreferredAgent, "preferred-agent", "", "agent id who should take this customer's calls")
	f.StringArrayVar(&fields, "field", nil, "custom field name=value; repeat")
	f.StringVar(&c.Notes, "notes", "", "notes")
	return cmd
}

func parseContactID(arg string) (contact.ID, error) {
	n, err := strconv.ParseUint(arg, 10, 64)
	if err != nil || n == 0 {
		return 0, invalidArg(fmt.Errorf("contact id %q: want a positive number", arg))
	}
	return contact.ID(n), nil
}

// contactView is what show and find print: the contact and its latest calls.
type contactView struct {
	contact.Contact
	History []store.Interaction `json:"history"`
}

func printContact(w io.Writer, s *store.Contacts, c contact.Contact, history int) error {
	h, err := s.History(c.ID, 0, history)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(contactView{Contact: c, History: h})
}

func newContactsShowCmd(g *globalOptions) *cobra.Command {
	history := 10
	cmd := newContactIDCmd(g, "show ID", "Print a contact and its latest interactions as JSON (audited)",
		func(cmd *cobra.Command, db *store.DB, s *store.Contacts, id contact.ID) error {
			c, err := s.Get(id)
			if err != nil {
				return err
			}
			if err := db.Audit(store.AuditEntry{At: time.Now().UTC(), Who: cliUser(), Action: "read", Subject: fmt.Sprintf("contact %d", id), Count: 1}); err != nil {
				return err
			}
			return printContact(cmd.OutOrStdout(), s, c, history)
		})
	cmd.Flags().IntVar(&history, "history", history, "latest interactions to show")
	return cmd
}

// newContactIDCmd makes a command that acts on the one contact its
// argument names, with the store open for writing (reads are audited).
func newContactIDCmd(g *globalOptions, use, short string, run func(cmd *cobra.Command, db *store.DB, s *store.Contacts, id contact.ID) error) *cobra.Command {
	o := &contactsOptions{}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseContactID(args[0])
			if err != nil {
				return err
			}
			db, s, err := o.open(g, false)
			if err != nil {
				return err
			}
			defer db.Close()
			return run(cmd, db, s, id)
		},
	}
	o.addFlags(cmd)
	return cmd
}

func newContactsFindCmd(g *globalOptions) *cobra.Command {
	o := &contactsOptions{}
	history := 10
	cmd := &cobra.Command{
		Use:   "find NUMBER",
		Short: "Find the contact with a number (by keyed hash; audited)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			phone, err := contact.NormalizePhone(args[0], o.region)
			if err != nil {
				return invalidArg(err)
			}
			db, s, err := o.open(g, false)
			if err != nil {
				return err
			}
			defer db.Close()
			c, err := s.ByPhone(phone)
			if errors.Is(err, store.ErrNotFound) {
				return &exitError{code: exitFailure, err: fmt.Errorf("no contact has %s", phone)}
			}
			if err != nil {
				return err
			}
			if err := db.Audit(store.AuditEntry{At: time.Now().UTC(), Who: cliUser(), Action: "find", Subject: fmt.Sprintf("contact %d", c.ID), Count: 1}); err != nil {
				return err
			}
			return printContact(cmd.OutOrStdout(), s, c, history)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().IntVar(&history, "history", history, "latest interactions to show")
	return cmd
}

func newContactsMergeCmd(g *globalOptions) *cobra.Command {
	o := &contactsOptions{}
	cmd := &cobra.Command{
		Use:   "merge KEEP DUPLICATE",
		Short: "Fold DUPLICATE into KEEP (one person): numbers, tags, fields, notes and history",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			keep, err := parseContactID(args[0])
			if err != nil {
				return err
			}
			dup, err := parseContactID(args[1])
			if err != nil {
				return err
			}
			db, s, err := o.open(g, false)
			if err != nil {
				return err
			}
			defer db.Close()
			m, err := s.Merge(keep, dup, time.Now())
			if errors.Is(err, contact.ErrSameContact) {
				return invalidArg(err)
			}
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "contact %d merged into %d (%d numbers)\n", dup, m.ID, len(m.Phones))
			return err
		},
	}
	o.addFlags(cmd)
	return cmd
}

func newContactsDeleteCmd(g *globalOptions) *cobra.Command {
	return newContactIDCmd(g, "delete ID", "Delete a contact and its number index entries",
		func(cmd *cobra.Command, _ *store.DB, s *store.Contacts, id contact.ID) error {
			if err := s.Delete(id); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "contact %d deleted\n", id)
			return err
		})
}

func newContactsImportCmd(g *globalOptions) *cobra.Command {
	o := &contactsOptions{}
	cmd := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Create contacts from CSV (header: phones, name, company, email, language, tags, preferred_agent, notes; other columns are custom fields)",
		Long: `Creates contacts from CSV with a header row: phones (;-separated), name,
company, email, language, tags (;-separated), preferred_agent, notes; other
columns are custom fields. A bad row is reported by its row number and left
out. A cell hotline contacts export wrote behind an apostrophe (a formula
character after it, as in '+12125550101) is read without it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := openInput(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			read, bad, err := contact.ReadCSV(f, o.region)
			if err != nil {
				return invalidArg(fmt.Errorf("%s: %w", args[0], err))
			}
			for _, e := range bad {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", args[0], e)
			}
			unknown := 0
			read = slices.DeleteFunc(read, func(r contact.Row) bool {
				why, lerr := unknownAgent(g, r.Contact)
				if lerr != nil {
					err = lerr
				}
				if why == "" {
					return false
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: row %d: %s\n", args[0], r.Row, why)
				unknown++
				return true
			})
			if err != nil {
				return err
			}
			cs := make([]contact.Contact, len(read))
			for i, r := range read {
				cs[i] = r.Contact
			}
			db, s, err := o.open(g, false)
			if err != nil {
				return err
			}
			defer db.Close()
			created, same, rejected, err := s.Import(cs, time.Now())
			for i, e := range rejected {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: row %d: %v\n", args[0], read[i].Row, e)
			}
			if err != nil {
				return err
			}
			if same > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "%d contacts imported, %d already there as the file has them\n", created, same)
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "%d contacts imported\n", created)
			}
			if len(bad)+unknown+len(rejected) > 0 {
				return &exitError{code: exitFailure, err: fmt.Errorf("%s not imported", count(len(bad)+unknown+len(rejected), "row"))}
			}
			return nil
		},
	}
	o.addFlags(cmd)
	return cmd
}

func newContactsExportCmd(g *globalOptions) *cobra.Command {
	o := &contactsOptions{}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write every contact as CSV to standard output (audited)",
		Long: `Writes every contact as CSV to standard output, in the columns hotline
contacts import reads, and records the export in the audit log. A cell a
spreadsheet would run as a formula (one starting with =, +, -, @, a tab or a
carriage return, such as +1... numbers or a name typed =HYPERLINK(...)) is
written behind an apostrophe; hotline contacts import takes it off again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, s, err := o.open(g, false)
			if err != nil {
				return err
			}
			defer db.Close()
			var cs []contact.Contact
			if err := s.Each(func(c contact.Contact) bool { cs = append(cs, c); return true }); err != nil {
				return err
			}
			if err := db.Audit(store.AuditEntry{At: time.Now().UTC(), Who: cliUser(), Action: "export", Subject: "all contacts", Count: len(cs)}); err != nil {
				return err
			}
			return contact.WriteCSV(cmd.OutOrStdout(), cs)
		},
	}
	o.addFlags(cmd)
	return cmd
}
