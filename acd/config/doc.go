// Package config holds Hotline's settings as plain structs: defaults, a strict
// YAML decoder (an unknown key is an error) and one validation pass that
// reports every problem with its path. Viper and flags live in cmd/ only.
//
// # Basics
//
// Settings are layered: [Default], then the YAML file ([Load] or [Parse]),
// then whatever the caller overrides with [Config.Override] (the CLI applies
// HOTLINE_* variables and flags), then [Config.Validate]. A problem with an
// overridden setting names the variable or flag instead of a file line. Defaults reach into lists too: a queue that
// leaves out ring_timeout gets [DefaultQueue]'s, an agent without a weight
// gets 1, a skill target without max_penalty allows any penalty. A setting
// written explicitly, even as zero, is kept.
//
// Durations are Go duration strings ("15s", "2m30s", "0s"). A bare number is
// refused rather than guessed at: "15" could mean seconds or, to Go,
// nanoseconds, and a ring timeout off by a factor of a billion is not a
// mistake worth making quietly.
//
// Every problem found in a file comes back at once in a [*ValidationError],
// each with the setting's path (queues[2].strategy) and, for a Config that
// came from a file, its line. errors.Is(err, [ErrInvalid]) tells a bad
// configuration from a file that could not be read.
//
// # Caveats
//
// A file larger than [MaxFileSize] is refused ([ErrTooLarge]) before it is
// parsed.
//
// YAML reads an unquoted # as the start of a comment and * as an alias, so
// the DTMF keys "#" and "*" must be quoted, as menu option keys and as
// callback_key or exit_key values. Parse points at the line when it sees
// one unquoted, rather than leave the key silently dropped.
//
// A Config from [Parse] remembers the file name and text, to place problems;
// compare Configs field by field rather than with reflect.DeepEqual.
package config
