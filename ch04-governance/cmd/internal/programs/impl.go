// Package programs holds the run functions of chapter 4's programs
// (cmd/devetcd, cmd/backend, cmd/lbclient), so that one test binary runs
// them all in-process, against embedded etcd and against Debian's etcd,
// and so that cmd/govern can reuse their pieces. Each cmd/<name>/main.go
// is only demo.Main around one of them.
package programs

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc/balancer"
	_ "google.golang.org/grpc/balancer/leastrequest"       // least_request_experimental
	_ "google.golang.org/grpc/balancer/weightedroundrobin" // weighted_round_robin
	"google.golang.org/grpc/health"
	"google.golang.org/grpc/resolver"

	balex "github.com/grpclabs/labs/ch04-governance/balancing/exercise"
	balsol "github.com/grpclabs/labs/ch04-governance/balancing/solution"
	discex "github.com/grpclabs/labs/ch04-governance/discovery/exercise"
	discsol "github.com/grpclabs/labs/ch04-governance/discovery/solution"
	"github.com/grpclabs/labs/ch04-governance/greeter"
	"github.com/grpclabs/labs/ch04-governance/registry"
	"github.com/grpclabs/labs/scripts/demo"
)

// Impl is one implementation of the chapter's labs: the solution's, or
// the learner's exercise (-impl=exercise).
type Impl struct {
	Name               string
	NewRegistrar       func(cli *clientv3.Client) registry.Registrar
	NewResolverBuilder func(cli *clientv3.Client) resolver.Builder
	Leave              func(ctx context.Context, hs *health.Server, reg registry.Registration, drain time.Duration) error
	// Policies maps lbclient's -policy names to the balancer names the
	// implementation registered.
	Policies map[string]string
}

var (
	solutionImpl = Impl{
		Name:               demo.Solution,
		NewRegistrar:       func(cli *clientv3.Client) registry.Registrar { return discsol.NewRegistrar(cli) },
		NewResolverBuilder: discsol.NewResolverBuilder,
		Leave:              discsol.Leave,
		Policies: map[string]string{
			"round_robin": balsol.RoundRobin, "weighted": balsol.Weighted, "least_conn": balsol.LeastConn,
			"p2c": balsol.P2C, "consistent_hash": balsol.ConsistentHash,
		},
	}
	exerciseImpl = Impl{
		Name:               demo.Exercise,
		NewRegistrar:       func(cli *clientv3.Client) registry.Registrar { return discex.NewRegistrar(cli) },
		NewResolverBuilder: discex.NewResolverBuilder,
		Leave:              discex.Leave,
		Policies: map[string]string{
			"round_robin": balex.RoundRobin, "weighted": balex.Weighted, "least_conn": balex.LeastConn,
			"p2c": balex.P2C, "consistent_hash": balex.ConsistentHash,
		},
	}
)

// PickImpl returns the implementation -impl names.
func PickImpl(name string) (Impl, error) { return demo.Pick(name, solutionImpl, exerciseImpl) }

// BuiltinPrefix chooses grpc-go's own policy of a name the lab also uses:
// -policy grpc:round_robin.
const BuiltinPrefix = "grpc:"

// PolicyNames lists the lab's -policy names, for usage text.
func PolicyNames() []string {
	return slices.Sorted(maps.Keys(solutionImpl.Policies))
}

// Balancer is the registered balancer name of policy: one of the lab's
// policies by its -policy name, or any balancer registered with grpc-go
// (least_request_experimental, weighted_round_robin, pick_first, or
// grpc:round_robin for the built-in round robin).
func (im Impl) Balancer(policy string) (string, error) {
	if name, ok := im.Policies[policy]; ok {
		return name, nil
	}
	name := strings.TrimPrefix(policy, BuiltinPrefix)
	if balancer.Get(name) == nil {
		return "", demo.Usagef("-policy %q: want one of %s, or a grpc-go policy such as least_request_experimental, weighted_round_robin or grpc:round_robin",
			policy, strings.Join(PolicyNames(), ", "))
	}
	return name, nil
}

// ServiceConfig is the service config for policy (see [Impl.Balancer]).
// With healthService set, clients health-check that service and skip
// backends that say NOT_SERVING.
func (im Impl) ServiceConfig(policy, healthService string) (string, error) {
	name, err := im.Balancer(policy)
	if err != nil {
		return "", err
	}
	return ServiceConfig(fmt.Sprintf(`{%q:{}}`, name), healthService), nil
}

// ServiceConfig is a service config with one load-balancing config (a
// JSON object such as {"round_robin":{}}) and, when healthService is
// set, client-side health checking of that service.
func ServiceConfig(lbConfig, healthService string) string {
	cfg := `{"loadBalancingConfig":[` + lbConfig + `]`
	if healthService != "" {
		cfg += fmt.Sprintf(`,"healthCheckConfig":{"serviceName":%q}`, healthService)
	}
	return cfg + "}"
}

// HealthService is the service name backends report health for.
const HealthService = greeter.ServiceName

// etcdConfig is the client configuration of the programs.
func etcdConfig(endpoints string, dialTimeout time.Duration) (clientv3.Config, error) {
	var eps []string
	for _, e := range strings.Split(endpoints, ",") {
		if e = strings.TrimSpace(e); e != "" {
			eps = append(eps, e)
		}
	}
	if len(eps) == 0 {
		return clientv3.Config{}, demo.Usagef("-etcd needs at least one endpoint, e.g. 127.0.0.1:2379")
	}
	// etcd's client logs every retry; the programs say what matters themselves.
	return clientv3.Config{Endpoints: eps, DialTimeout: dialTimeout, Logger: zap.NewNop()}, nil
}

// checkEtcd fails with a clear message when no endpoint answers within
// timeout, instead of letting every later request wait for a connection.
func checkEtcd(ctx context.Context, cli *clientv3.Client, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for _, ep := range cli.Endpoints() {
		if _, last = cli.Status(ctx, ep); last == nil {
			return nil
		}
	}
	return fmt.Errorf("cannot reach etcd at %s within %v (%v); start one with: go run ./ch04-governance/cmd/devetcd",
		strings.Join(cli.Endpoints(), ","), timeout, last)
}
