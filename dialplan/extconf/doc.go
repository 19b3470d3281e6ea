// Package extconf reads Asterisk's extensions.conf the way pbx_config does
// and answers which extension a dialed number reaches.
//
// # Basics
//
// [Parse] turns one file into statements ([Section], [Exten], [Include],
// [Directive], ...) with their lines, never failing: what Asterisk would
// refuse or warn about is kept in File.Problems. [Load] follows #include
// (and #tryinclude) from a root file, splices included statements in place as
// Asterisk's config reader does, and [Build]s the dialplan: sections become
// contexts (templates, inheritance and "(+)" appends applied), "n" and "same"
// priorities are numbered, and each context's extensions are sorted in
// Asterisk's matching order.
//
// [Dialplan.Candidates] and [Dialplan.Find] then resolve a number the way
// pbx_find_extension does with the default matcher: exact extensions before
// patterns; among patterns, position by position, the smaller character set
// first (a literal, then N, Z, X, then larger [sets], then '.', then '!');
// a context's own extensions before its includes, includes in the order
// written, each context searched once. A matched extension that lacks the
// wanted priority does not stop the search: the next matching one is tried.
//
// # Caveats
//
// #exec is recorded, never run. Asterisk joins no lines: a trailing
// backslash is reported, and "same =>" is the way to continue an extension.
// Variables in extension names and include targets are not expanded, timed
// includes are treated as always open, and switches (switch =>) are recorded
// but not consulted. The "extenpatternmatchnew" trie matcher is not modelled.
package extconf
