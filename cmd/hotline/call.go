package main

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api"
)

// callOptions are the flags of `hotline call`.
type callOptions struct {
	clientOptions
	to       api.CallRequest
	attended bool
}

func (o *callOptions) AddFlags(fs *pflag.FlagSet) {
	o.clientOptions.AddFlags(fs)
	fs.StringVar(&o.to.Agent, "to-agent", "", "transfer: the agent to send the caller to")
	fs.StringVar(&o.to.Queue, "to-queue", "", "transfer: the queue to put the caller back in (keeps its priority)")
	fs.StringVar(&o.to.Number, "to-number", "", "transfer: the outside number to dial (pbx.outside)")
	fs.BoolVar(&o.attended, "attended", false, "transfer: consult the target first, then call complete or call cancel")
}

func newCallCmd(g *globalOptions) *cobra.Command {
	o := &callOptions{}
	cmd := &cobra.Command{
		Use:   "call hold|unhold|transfer|complete|cancel AGENT",
		Short: "Hold or transfer the call an agent is on, on the running daemon",
		Example: `  hotline call hold alice
  hotline call unhold alice
  hotline call transfer alice --to-queue billing
  hotline call transfer alice --to-agent bob --attended   # consult bob, the caller on hold
  hotline call complete alice                             # the caller to bob; or: call cancel alice
  hotline call transfer alice --to-number +12125550100`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			action, id := args[0], args[1]
			body := api.CallRequest{}
			switch action {
			case "transfer":
				n := 0
				for _, to := range []string{o.to.Agent, o.to.Queue, o.to.Number} {
					if to != "" {
						n++
					}
				}
				switch n {
				case 0:
					return invalidArg(fmt.Errorf("transfer: give one of --to-agent, --to-queue or --to-number"))
				case 1:
				default:
					return invalidArg(fmt.Errorf("transfer: give one of --to-agent, --to-queue or --to-number, not %d", n))
				}
				body = o.to
				body.Attended = o.attended
			case "hold", "unhold", "complete", "cancel":
				if o.to != (api.CallRequest{}) || o.attended {
					return invalidArg(fmt.Errorf("%s takes no --to-* or --attended flag", action))
				}
			default:
				return invalidArg(fmt.Errorf("unknown action %q; known: hold, unhold, transfer, complete, cancel", action))
			}
			base, err := o.base(g)
			if err != nil {
				return err
			}
			var cs engine.CallStatus
			raw, err := call(cmd.Context(), http.MethodPost, base+"/api/v1/agents/"+url.PathEscape(id)+"/call/"+action, body, &cs)
			if err != nil {
				return err
			}
			if o.json {
				_, err = cmd.OutOrStdout().Write(raw)
				return err
			}
			with := cs.Agent
			if with == "" {
				with = "no agent"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "call %s: %s (%s", cs.ID, cs.Phase, with)
			if cs.Queue != "" {
				fmt.Fprintf(cmd.OutOrStdout(), ", queue %s", cs.Queue)
			}
			fmt.Fprintln(cmd.OutOrStdout(), ")")
			return nil
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}
