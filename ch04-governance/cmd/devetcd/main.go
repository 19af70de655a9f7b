// Command devetcd runs a single-member etcd (v3.7, embedded) for the
// chapter's programs, for learners who have no etcd installed. Its data
// lives in a temporary directory removed at exit, unless -data-dir says
// where to keep it.
//
//	go run ./ch04-governance/cmd/devetcd                    # 127.0.0.1:2379
//	go run ./ch04-governance/cmd/devetcd -listen 127.0.0.1:0
//	etcdctl --endpoints 127.0.0.1:2379 get --prefix services/
package main

import (
	"github.com/grpclabs/labs/ch04-governance/cmd/internal/programs"
	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("devetcd", programs.DevEtcd) }
