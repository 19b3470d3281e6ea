package main

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/configs"
)

func newConfigCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check, show and start configuration files",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newConfigValidateCmd(g), newConfigShowCmd(g), newConfigExampleCmd(), newConfigReloadCmd(g))
	return cmd
}

func newConfigValidateCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "validate [FILE...]",
		Short: "Check configuration files and list every problem (exit code 2 if any)",
		Long: `Checks each file as serve would run it, with HOTLINE_* variables and flags
applied over it, and prints "FILE: ok (...)" or every problem as
FILE:LINE: setting: problem (VARIABLE: setting: problem for an override).
With no FILE, checks --config or HOTLINE_CONFIG. Exits with 2 when a file
is invalid and with 1 when it cannot be read.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && g.configPath() != "" {
				args = []string{g.configPath()}
			}
			if len(args) == 0 {
				return errors.New("config validate: name a file (or set --config)")
			}
			return validateFiles(cmd.OutOrStdout(), cmd.ErrOrStderr(), g, args)
		},
	}
}

// validateFiles reports on each file with g's overrides applied, as serve
// would layer them; problems go to errOut so the ok lines of other files
// stay clean on out.
func validateFiles(out, errOut io.Writer, g *globalOptions, files []string) error {
	invalid, problems := 0, 0
	for _, file := range files {
		cfg, err := config.Load(file)
		if err == nil {
			err = joinProblems(errors.Join(g.applyOverrides(&cfg), cfg.Validate()))
		}
		if err == nil {
			err = teamUsers(errOut, file, cfg)
		}
		var ve *config.ValidationError
		switch {
		case errors.As(err, &ve):
			fmt.Fprintln(errOut, ve.Error())
			invalid++
			problems += len(ve.Problems)
		case err != nil:
			return err
		default:
			var with []string
			for _, origin := range g.setOverrides() {
				with = append(with, origin)
			}
			applied := ""
			if len(with) > 0 {
				applied = "; with " + strings.Join(with, ", ")
			}
			fmt.Fprintf(out, "%s: ok (%s, %s, %s%s)\n", file,
				count(len(cfg.Queues), "queue"), count(len(cfg.Agents), "agent"), count(len(cfg.Entries), "entry"), applied)
			for _, d := range cfg.Deprecations() {
				fmt.Fprintf(errOut, "%s: note: %s\n", file, d)
			}
			for _, a := range cfg.Advisories() {
				where := cfg.Where(a.Path)
				if where == "" {
					where = file
				}
				fmt.Fprintf(errOut, "%s: warning: %s\n", where, a)
			}
		}
	}
	if invalid == 0 {
		return nil
	}
	return &exitError{code: exitInvalid, err: fmt.Errorf("%s in %s", count(problems, "problem"), count(invalid, "file"))}
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if noun == "entry" {
		return fmt.Sprintf("%d entries", n)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func newConfigShowCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "Print the configuration in effect: defaults, file, HOTLINE_* variables and flags merged",
		Long: `Prints the configuration Hotline would run with, after defaults, the
--config file, HOTLINE_* variables and flags, as YAML. Passwords are masked.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			return writeConfig(cmd.OutOrStdout(), cfg)
		},
	}
}

// writeConfig prints cfg as YAML with its secrets masked.
func writeConfig(w io.Writer, cfg config.Config) error {
	for _, secret := range []*string{&cfg.PBX.Asterisk.Password, &cfg.PBX.FreeSWITCH.Password, &cfg.Speech.Recognizer.Token} {
		if *secret != "" {
			*secret = "********"
		}
	}
	// A password written into a URL (http://user:pass@host/) too.
	for _, u := range []*string{&cfg.PBX.Asterisk.URL, &cfg.PBX.Asterisk.WebsocketURL, &cfg.Speech.PromptURL, &cfg.Speech.Recognizer.URL} {
		*u = maskURLPassword(*u)
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(cfg); err != nil {
		return fmt.Errorf("config show: %w", err)
	}
	return enc.Close()
}

func newConfigExampleCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "example",
		Short: "Print a commented example configuration to start from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(configs.Example)
			return err
		},
	}
}

// maskURLPassword masks the password of a URL's user information.
func maskURLPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); !has {
		return raw
	}
	user := url.User(u.User.Username()).String()
	u.User = nil
	scheme, rest, ok := strings.Cut(u.String(), "://")
	if !ok {
		return raw
	}
	return scheme + "://" + user + ":********@" + rest
}
