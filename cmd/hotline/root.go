package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/hotline-cc/hotline/acd/config"
)

// Exit codes: a configuration problem is told apart from everything else
// so scripts can tell "fix the file" from "try again".
const (
	exitOK      = 0
	exitFailure = 1
	exitInvalid = 2
)

// newRootCmd builds the whole command tree; one line per subcommand.
func newRootCmd() *cobra.Command {
	g := newGlobalOptions()
	cmd := &cobra.Command{
		Use:   "hotline",
		Short: "Call center (queues, skill routing, IVR, records) on top of Asterisk or FreeSWITCH",
		Long: `Hotline turns an existing PBX into a call center: queues, skill-based routing,
IVR menus, callbacks, call records and reports. It drives Asterisk over ARI or
FreeSWITCH over the event socket.

Settings come from, each overriding the one before: built-in defaults, the YAML
file (--config or HOTLINE_CONFIG), HOTLINE_* environment variables, flags.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionText(),
	}
	cmd.SetVersionTemplate("{{.Version}}") // --version prints what `hotline version` does
	// A flag that does not parse is a bad argument, as one out of range is;
	// every subcommand inherits this.
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitError{code: exitInvalid, err: err} })
	g.AddFlags(cmd.PersistentFlags())
	cmd.AddCommand(
		newServeCmd(g),
		newDemoCmd(g),
		newConfigCmd(g),
		newVersionCmd(g),
		newDialplanCmd(g),
		newAgentCmd(g),
		newCallCmd(g),
		newStatusCmd(g),
		newCallsCmd(g),
		newEventsCmd(g),
		newStaffingCmd(g),
		newReportCmd(g),
		newStoreCmd(g),
		newDialerCmd(g),
		newLeadsCmd(g),
		newDNCCmd(g),
		newCampaignCmd(g),
		newPreviewCmd(g),
		newUsersCmd(g),
		newTokensCmd(g),
		newContactsCmd(g),
		newTasksCmd(g),
		newKeysCmd(g),
		newIVRCmd(g),
		newAuditCmd(g),
		newRecordingsCmd(g),
	)
	badArgCounts(cmd)
	return cmd
}

// badArgCounts makes a count of arguments a command does not take a bad
// argument (exit 2), as a flag that does not parse is: "hotline campaign"
// with no action exited 1, which some commands use for an answer (dnc
// check: listed).
func badArgCounts(c *cobra.Command) {
	if check := c.Args; check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return &exitError{code: exitInvalid, err: err}
			}
			return nil
		}
	}
	if c.HasSubCommands() && !c.Runnable() {
		// Cobra shows the help of a command group given a word it does not
		// know and exits 0 ("hotline leads frobnicate"), or, at the top,
		// exits 1: a script would take the mistake for success.
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return &exitError{code: exitInvalid, err: unknownCommand(cmd, args[0])}
		}
	}
	for _, sub := range c.Commands() {
		badArgCounts(sub)
	}
}

// unknownCommand names a word that is none of cmd's subcommands, the ones
// it has, and those it may be a typo of.
func unknownCommand(cmd *cobra.Command, word string) error {
	var known []string
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() {
			known = append(known, sub.Name())
		}
	}
	msg := fmt.Sprintf("unknown command %q for %q; known: %s", word, cmd.CommandPath(), strings.Join(known, ", "))
	if like := cmd.SuggestionsFor(word); len(like) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(like, " or "))
	}
	return errors.New(msg)
}

// run executes the command line and returns the process exit code. Errors
// are printed here, once: a configuration's problems one per line.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := newRootCmd()
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ve *config.ValidationError
	if errors.As(err, &ve) && err == error(ve) {
		fmt.Fprintln(stderr, ve.Error())
	} else {
		fmt.Fprintln(stderr, "hotline:", err)
	}
	return exitCode(err)
}

// exitError asks for a specific exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// openInput opens a file a command reads (a lead list, a contact or
// do-not-call file). One it cannot read, a directory included, fails with
// exit code 1 (exit 2 is for a file read and found bad), naming it.
func openInput(name string) (*os.File, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, &exitError{code: exitFailure, err: err}
	}
	if fi, err := f.Stat(); err != nil || fi.IsDir() {
		f.Close()
		if err == nil {
			err = fmt.Errorf("%s: is a directory, not a file", name)
		}
		return nil, &exitError{code: exitFailure, err: err}
	}
	return f, nil
}

func exitCode(err error) int {
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, config.ErrInvalid):
		return exitInvalid
	}
	return exitFailure
}

// globalOptions are the flags every command shares and the way from them,
// the environment and the file to a validated config.Config.
type globalOptions struct {
	v     *viper.Viper
	flags *pflag.FlagSet

	// loaded is the last config loadConfig returned, so the logger follows
	// the file's server.log_format and log_level.
	loaded *config.Config
}

func newGlobalOptions() *globalOptions {
	return &globalOptions{v: viper.New()}
}

// AddFlags defines --config, --log-format and --log-level and binds them,
// and every HOTLINE_* variable, through viper.
func (g *globalOptions) AddFlags(fs *pflag.FlagSet) {
	g.flags = fs
	def := config.Default().Server
	fs.String("config", "", "YAML configuration file (env HOTLINE_CONFIG)")
	fs.String("log-format", def.LogFormat, "log format: json | console (env HOTLINE_LOG_FORMAT)")
	fs.String("log-level", def.LogLevel, "log level: trace | debug | info | warn | error (env HOTLINE_LOG_LEVEL)")
	mustBind(g.v.BindPFlag("config", fs.Lookup("config")))
	mustBind(g.v.BindEnv("config", "HOTLINE_CONFIG"))
	for _, o := range overrides {
		mustBind(g.v.BindEnv(o.path, o.env))
		if o.flag != "" {
			mustBind(g.v.BindPFlag(o.path, fs.Lookup(o.flag)))
		}
	}
}

// mustBind panics on a binding error, which only a programming mistake
// (a nil flag, no key) can cause.
func mustBind(err error) {
	if err != nil {
		panic(err)
	}
}

// override is a scalar setting that a HOTLINE_* variable, and maybe a
// global flag, can set over the file.
type override struct {
	path string // as in the YAML file
	env  string
	flag string // "" = environment only
}

var overrides = []override{
	{"server.log_format", "HOTLINE_LOG_FORMAT", "log-format"},
	{"server.log_level", "HOTLINE_LOG_LEVEL", "log-level"},
	{"server.listen", "HOTLINE_SERVER_LISTEN", ""},
	{"store.path", "HOTLINE_STORE_PATH", ""},
	{"pbx.type", "HOTLINE_PBX_TYPE", ""},
	{"pbx.asterisk.url", "HOTLINE_ASTERISK_URL", ""},
	{"pbx.asterisk.websocket_url", "HOTLINE_ASTERISK_WEBSOCKET_URL", ""},
	{"pbx.asterisk.username", "HOTLINE_ASTERISK_USERNAME", ""},
	{"pbx.asterisk.password", "HOTLINE_ASTERISK_PASSWORD", ""},
	{"pbx.asterisk.app", "HOTLINE_ASTERISK_APP", ""},
	{"pbx.freeswitch.address", "HOTLINE_FREESWITCH_ADDRESS", ""},
	{"pbx.freeswitch.password", "HOTLINE_FREESWITCH_PASSWORD", ""},
	{"pbx.freeswitch.outbound_listen", "HOTLINE_FREESWITCH_OUTBOUND_LISTEN", ""},
	{"speech.prompts", "HOTLINE_SPEECH_PROMPTS", ""},
	{"speech.prompt_url", "HOTLINE_SPEECH_PROMPT_URL", ""},
	{"speech.recognizer.url", "HOTLINE_SPEECH_URL", ""},
	{"speech.recognizer.token", "HOTLINE_SPEECH_TOKEN", ""},
}

// configPath is --config, else HOTLINE_CONFIG, else "".
func (g *globalOptions) configPath() string {
	return g.v.GetString("config")
}

// loadConfig builds the configuration in order: defaults, the YAML file,
// HOTLINE_* variables, flags, then Validate. Lists (queues, agents, ...)
// come from the file only.
func (g *globalOptions) loadConfig() (config.Config, error) {
	cfg, err := g.loadConfigFrom(nil)
	if err == nil {
		g.loaded = &cfg
	}
	return cfg, err
}

// loadConfigFrom is loadConfig with data read as the file's text in place
// of what the file holds (nil: read the file): how a proposed edit of the
// file is checked before it is written.
func (g *globalOptions) loadConfigFrom(data []byte) (config.Config, error) {
	cfg := config.Default()
	if path := g.configPath(); path != "" {
		var err error
		if data == nil {
			cfg, err = config.Load(path)
		} else {
			cfg, err = config.Parse(data, path)
		}
		if err != nil {
			return config.Config{}, err
		}
	}
	if err := g.applyOverrides(&cfg); err != nil {
		return config.Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return config.Config{}, err
	}
	return cfg, nil
}

// applyOverrides sets every setting a flag or variable gives; viper ranks a
// changed flag above the environment.
func (g *globalOptions) applyOverrides(cfg *config.Config) error {
	var errs []error
	for o, origin := range g.setOverrides() {
		errs = append(errs, cfg.Override(o.path, g.v.GetString(o.path), origin))
	}
	return joinProblems(errors.Join(errs...))
}

// setOverrides yields each override a variable or flag sets, with the name
// of what set it ("HOTLINE_PBX_TYPE", "--log-level").
func (g *globalOptions) setOverrides() func(yield func(override, string) bool) {
	return func(yield func(override, string) bool) {
		for _, o := range overrides {
			if !g.v.IsSet(o.path) {
				continue
			}
			origin := o.env
			if o.flag != "" && g.flags != nil && g.flags.Changed(o.flag) {
				origin = "--" + o.flag
			}
			if !yield(o, origin) {
				return
			}
		}
	}
}

// joinProblems merges the ValidationErrors errors.Join collected into one,
// so they print one per line like any other configuration problems.
func joinProblems(err error) error {
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return err
	}
	all := &config.ValidationError{}
	for _, e := range joined.Unwrap() {
		var ve *config.ValidationError
		if !errors.As(e, &ve) {
			return err
		}
		all.Problems = append(all.Problems, ve.Problems...)
	}
	return all
}
