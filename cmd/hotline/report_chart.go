package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/hotline-cc/hotline/acd/report"
	"github.com/hotline-cc/hotline/acd/report/chart"
)

// writeChart draws rep into path (.svg or .png), whole or not at all.
func writeChart(path string, rep *report.Report, target float64) error {
	format, err := chart.Format(path)
	if err != nil {
		return invalidArg(fmt.Errorf("--chart: %w", err))
	}
	var buf bytes.Buffer
	if err := chart.Write(&buf, format, rep, chart.Options{Target: target}); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("--chart: %w", err)
	}
	return nil
}
