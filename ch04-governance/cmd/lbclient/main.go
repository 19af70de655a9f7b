// Command lbclient finds the greeter's backends in etcd (the discovery
// lab's resolver), spreads calls over them with one of the balancing
// lab's policies or a grpc-go one, and prints how many calls each backend
// answered, the errors, and the latency percentiles.
//
//	go run ./ch04-governance/cmd/lbclient -policy round_robin -n 300
//	go run ./ch04-governance/cmd/lbclient -policy weighted -n 300 -c 1
//	go run ./ch04-governance/cmd/lbclient -policy consistent_hash -key user-42
//	go run ./ch04-governance/cmd/lbclient -policy least_conn -json
//	go run ./ch04-governance/cmd/lbclient -n 3000 -interval 20ms   # then stop a backend
package main

import (
	"github.com/grpclabs/labs/ch04-governance/cmd/internal/programs"
	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("lbclient", programs.LBClient) }
