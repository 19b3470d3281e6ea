package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/acd/config"
)

// Each script adds its Russian strings to the one I18N.ru table: a key two
// scripts give different texts means one of their pages shows the other's
// word (the wallboard's "Abandoned" column read "не дождался", the
// missed-call reason).
func TestRussianKeysGivenOnce(t *testing.T) {
	block := regexp.MustCompile(`(?s)(?:\bru: \{|Object\.assign\(I18N\.ru, \{)(.*?)\n\s*\}`)
	pair := regexp.MustCompile(`(?:^|[\s,{])"?([\w-]+)"?\s*:\s*"((?:[^"\\]|\\.)*)"`)
	type def struct{ file, text string }
	seen := map[string]def{}
	n := 0
	err := fs.WalkDir(files, "static", func(path string, e fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(path, ".js") {
			return err
		}
		src, err := fs.ReadFile(files, path)
		if err != nil {
			return err
		}
		for _, b := range block.FindAllStringSubmatch(string(src), -1) {
			for _, p := range pair.FindAllStringSubmatch(b[1], -1) {
				n++
				if was, ok := seen[p[1]]; ok && was.text != p[2] {
					t.Errorf("Russian %q is %q in %s and %q in %s", p[1], was.text, was.file, p[2], path)
				}
				seen[p[1]] = def{path, p[2]}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("found %d Russian strings; the pattern no longer matches the scripts", n)
	}
}

// The campaigns page names each dial mode and campaign kind in Russian, not
// as the API's English word.
func TestCampaignWordsInRussian(t *testing.T) {
	src, err := fs.ReadFile(files, "static/campaigns.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"camp-m-preview", "camp-m-progressive", "camp-m-power", "camp-m-predictive",
		"camp-k-" + config.CampaignAgent, "camp-k-" + config.CampaignSurvey, "camp-k-" + config.CampaignNotification,
		"camp-unit-d", "camp-unit-h"} {
		if !strings.Contains(string(src), `"`+key+`": "`) {
			t.Errorf("campaigns.js has no Russian for %s", key)
		}
	}
}
