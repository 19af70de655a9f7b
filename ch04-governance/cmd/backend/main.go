// Command backend is one instance of the chapter's greeter service: it
// registers itself in etcd under a lease (the discovery lab's registrar),
// answers every call with its id, and on Ctrl-C or SIGTERM leaves in the
// order that loses no call: NOT_SERVING, deregister, drain, GracefulStop.
// Killed with SIGKILL it cannot deregister, and its registration expires
// after -ttl.
//
//	go run ./ch04-governance/cmd/devetcd &
//	go run ./ch04-governance/cmd/backend -weight 3 -zone a
//	go run ./ch04-governance/cmd/backend -weight 1 -latency 20ms
//	go run ./ch04-governance/cmd/backend -impl=exercise        # your registrar
package main

import (
	"github.com/grpclabs/labs/ch04-governance/cmd/internal/programs"
	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("backend", programs.Backend) }
