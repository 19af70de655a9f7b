// Command securedemo walks through the secure lab on this machine, with
// nothing on disk: it makes a CA in memory, issues a server and a client
// certificate, serves the replica service over mutual TLS with a bearer
// token on 127.0.0.1, pulls a batch of records with and without gzip and
// prints the bytes each took on the wire, then breaks the setup in the
// ways the lab covers and prints what each side reported, and Explain's
// reading of it.
//
//	go run ./ch02-grpc-core/cmd/securedemo
//	go run ./ch02-grpc-core/cmd/securedemo -records 2000
//	go run ./ch02-grpc-core/cmd/securedemo -impl=exercise   # your secure lab code
//
// Exit status: 0 when the demo ran as shown, 1 when a step that should work
// failed or a broken setup was accepted, 2 for bad flags.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	securelabv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/securelab/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/secure/exercise"
	"github.com/grpclabs/labs/ch02-grpc-core/secure/replica"
	"github.com/grpclabs/labs/ch02-grpc-core/secure/solution"
	"github.com/grpclabs/labs/scripts/demo"
)

func main() { demo.Main("securedemo", run) }

// ca is what both implementations' CA offer.
type ca interface {
	Pool() *x509.CertPool
	Issue(commonName string, hosts []string, client bool, notBefore, notAfter time.Time) (tls.Certificate, error)
}

// counter is what both counting listeners offer.
type counter interface {
	net.Listener
	Written() int64
}

// lab is the set of functions -impl picks.
type lab struct {
	newCA     func(string) (ca, error)
	serverTLS func(tls.Certificate, *x509.CertPool) *tls.Config
	clientTLS func(*x509.CertPool, string, *tls.Certificate) *tls.Config
	peerName  func(context.Context) string
	token     func(string) credentials.PerRPCCredentials
	watch     func(credentials.TransportCredentials, func(net.Addr, error)) credentials.TransportCredentials
	explain   func(error) string
	compress  func() grpc.DialOption
	count     func(net.Listener) counter
}

var (
	solutionLab = lab{
		newCA:     func(n string) (ca, error) { return solution.NewCA(n) },
		serverTLS: solution.ServerTLSConfig, clientTLS: solution.ClientTLSConfig, peerName: solution.PeerCommonName,
		token: func(s string) credentials.PerRPCCredentials { return solution.BearerToken{Token: s} },
		watch: solution.WatchHandshakes, explain: solution.Explain, compress: solution.Compressed,
		count: func(l net.Listener) counter { return solution.NewCountingListener(l) },
	}
	exerciseLab = lab{
		newCA:     func(n string) (ca, error) { return exercise.NewCA(n) },
		serverTLS: exercise.ServerTLSConfig, clientTLS: exercise.ClientTLSConfig, peerName: exercise.PeerCommonName,
		token: func(s string) credentials.PerRPCCredentials { return exercise.BearerToken{Token: s} },
		watch: exercise.WatchHandshakes, explain: exercise.Explain, compress: exercise.Compressed,
		count: func(l net.Listener) counter { return exercise.NewCountingListener(l) },
	}
)

const name = "replica.dc2.internal"

func run(ctx context.Context, args []string, stdio demo.IO) error {
	fs := demo.Flags("securedemo")
	impl := demo.ImplFlag(fs)
	n := fs.Int("records", 500, "how many records one Pull carries")
	if err := demo.Parse(fs, args, "securedemo [-impl solution|exercise] [-records N]", 0, stdio.Err); err != nil {
		return err
	}
	if *n < 1 || *n > 100000 {
		return demo.Usagef("-records must be 1..100000, got %d", *n)
	}
	l, err := demo.Pick(*impl, solutionLab, exerciseLab)
	if err != nil {
		return err
	}
	out := stdio.Out
	fmt.Fprintf(out, "securedemo (impl=%s): mutual TLS, a bearer token and gzip, then five ways to break them\n", *impl)

	root, err := l.newCA("grpclabs demo root")
	if err != nil {
		return fmt.Errorf("step 1 (NewCA): %w", err)
	}
	serverCert, err := root.Issue("replica.dc2", []string{name, "127.0.0.1"}, false, time.Time{}, time.Time{})
	if err != nil {
		return fmt.Errorf("step 1 (Issue): %w", err)
	}
	clientCert, err := root.Issue("dc1-replicator", nil, true, time.Time{}, time.Time{})
	if err != nil {
		return fmt.Errorf("step 1 (Issue): %w", err)
	}
	scfg, ccfg := l.serverTLS(serverCert, root.Pool()), l.clientTLS(root.Pool(), name, &clientCert)
	if scfg == nil || ccfg == nil {
		return errors.New("step 2: ServerTLSConfig / ClientTLSConfig return nil")
	}
	fmt.Fprintln(out, "CA and certificates made in memory (nothing written to disk).")

	// The server: mutual TLS, a token, a counting listener, a handshake log.
	tcp, err := demo.NetFrom(ctx).Listen("127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("cannot listen: %w", err)
	}
	lis := l.count(tcp)
	handshakes := make(chan error, 16)
	creds := l.watch(credentials.NewTLS(scfg), func(_ net.Addr, err error) {
		select {
		case handshakes <- err:
		default:
		}
	})
	srv := &replica.Server{Records: replica.Records(*n), Tokens: map[string]string{"s3cret": "dc1-replicator"}, PeerName: l.peerName}
	_, stop, err := demo.Start(demo.Server{
		Listener: lis, Grace: time.Second, Options: []grpc.ServerOption{grpc.Creds(creds)},
		Register: func(g *grpc.Server) { securelabv1.RegisterReplicaServiceServer(g, srv) },
	})
	if err != nil {
		return err
	}
	defer stop()
	addr := tcp.Addr().String()

	pull := func(opts ...grpc.DialOption) (*securelabv1.PullResponse, int64, error) {
		conn, err := grpc.NewClient(addr, opts...)
		if err != nil {
			return nil, 0, err
		}
		defer conn.Close()
		c := securelabv1.NewReplicaServiceClient(conn)
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if _, err := c.Pull(cctx, &securelabv1.PullRequest{Limit: 1}); err != nil { // warm up: handshake, settings
			return nil, 0, err
		}
		before := lis.Written()
		resp, err := c.Pull(cctx, &securelabv1.PullRequest{})
		return resp, lis.Written() - before, err
	}
	secure := []grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(ccfg)), grpc.WithPerRPCCredentials(l.token("s3cret"))}

	resp, plain, err := pull(secure...)
	if err != nil {
		return fmt.Errorf("pull over mutual TLS: %w (%s)", err, l.explain(err))
	}
	fmt.Fprintf(out, "mutual TLS + token: server saw certificate %q and token subject %q\n", resp.GetPeer(), resp.GetSubject())
	_, zipped, err := pull(append(secure, l.compress())...)
	if err != nil {
		return fmt.Errorf("pull with gzip: %w", err)
	}
	fmt.Fprintf(out, "%d records on the wire: %d bytes plain, %d bytes gzip (%.0f%%)\n", *n, plain, zipped, 100*float64(zipped)/float64(max(plain, 1)))

	// Now break it.
	other, err := l.newCA("someone else's root")
	if err != nil {
		return err
	}
	cases := []struct {
		what string
		opts []grpc.DialOption
	}{
		{"client trusts another CA", []grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(l.clientTLS(other.Pool(), name, &clientCert)))}},
		{"client checks another name", []grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(l.clientTLS(root.Pool(), "replica.dc3.internal", &clientCert)))}},
		{"client sends no certificate", []grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(l.clientTLS(root.Pool(), name, nil)))}},
		{"client speaks plaintext", []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}},
		{"token on plaintext", []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithPerRPCCredentials(l.token("s3cret"))}},
	}
	var accepted []string
	for _, c := range cases {
		drain(handshakes)
		_, _, err := pull(c.opts...)
		if err == nil {
			accepted = append(accepted, c.what)
		}
		fmt.Fprintf(out, "\n%s:\n  client: %v\n  explain: %s\n", c.what, err, l.explain(err))
		select {
		case herr := <-handshakes:
			fmt.Fprintf(out, "  server handshake: %v\n  explain: %s\n", herr, l.explain(herr))
		case <-time.After(time.Second): // display only: the server may have nothing to say
		}
	}
	if accepted != nil {
		return fmt.Errorf("the server accepted a broken setup: %s", strings.Join(accepted, "; "))
	}
	return nil
}

func drain(c chan error) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}
