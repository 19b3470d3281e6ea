// Command hotline turns an existing PBX into a call center: queues, skill
// routing, IVR menus, records and reports. Run `hotline --help`.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
