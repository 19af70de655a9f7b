package securetest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/peer"

	securelabv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/securelab/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/secure/replica"
	"github.com/grpclabs/labs/scripts/labkit"
)

// CA is what the lab's CA offers.
type CA interface {
	Certificate() *x509.Certificate
	Pool() *x509.CertPool
	Issue(commonName string, hosts []string, client bool, notBefore, notAfter time.Time) (tls.Certificate, error)
}

// The lab's functions, as the suite receives them.
type (
	ServerTLSFunc func(cert tls.Certificate, clientCAs *x509.CertPool) *tls.Config
	ClientTLSFunc func(roots *x509.CertPool, serverName string, cert *tls.Certificate) *tls.Config
	PeerNameFunc  func(context.Context) string
)

func leafOf(t *testing.T, c tls.Certificate) *x509.Certificate {
	t.Helper()
	if c.Leaf != nil {
		return c.Leaf
	}
	if len(c.Certificate) == 0 {
		t.Fatal("Issue returned a tls.Certificate with no certificate in it")
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		t.Fatalf("Issue returned a certificate that does not parse: %v", err)
	}
	return leaf
}

// TestCA: step 1, a CA in memory issues server and client certificates
// that crypto/x509 and crypto/tls accept.
func TestCA[C CA](t *testing.T, newCA func(commonName string) (C, error)) {
	ca, err := newCA("dc1 root")
	step1.Require(t, err)
	other, err := newCA("dc2 root")
	step1.Require(t, err)

	root := ca.Certificate()
	if root == nil || !root.IsCA || !root.BasicConstraintsValid || root.KeyUsage&x509.KeyUsageCertSign == 0 || root.Subject.CommonName != "dc1 root" {
		t.Fatalf("CA certificate: want IsCA with BasicConstraintsValid, KeyUsageCertSign and CN \"dc1 root\"; got %+v", root)
	}
	if err := root.CheckSignatureFrom(root); err != nil {
		t.Errorf("the CA certificate must be self-signed: %v", err)
	}

	now := time.Now()
	server, err := ca.Issue("replica.dc2", []string{"replica.dc2.internal", "127.0.0.1"}, false, time.Time{}, time.Time{})
	step1.Require(t, err)
	leaf := leafOf(t, server)
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Errorf("server key: %T; want ECDSA P-256", leaf.PublicKey)
	}
	if priv, ok := server.PrivateKey.(*ecdsa.PrivateKey); !ok || !priv.PublicKey.Equal(leaf.PublicKey) {
		t.Errorf("the tls.Certificate's PrivateKey must be the key the certificate certifies")
	}
	if leaf.IsCA {
		t.Errorf("a leaf certificate must not be a CA")
	}
	if !slices.Equal(leaf.DNSNames, []string{"replica.dc2.internal"}) || len(leaf.IPAddresses) != 1 || !leaf.IPAddresses[0].Equal(net.ParseIP("127.0.0.1")) {
		t.Errorf("SANs: DNS %v, IP %v; want DNS [replica.dc2.internal] and IP [127.0.0.1]: an IP goes in IPAddresses", leaf.DNSNames, leaf.IPAddresses)
	}
	if leaf.NotBefore.After(now) || leaf.NotBefore.Before(now.Add(-2*time.Hour)) || leaf.NotAfter.Before(now.Add(time.Hour)) {
		t.Errorf("default validity %v to %v; want it to start a little before now and last well beyond now", leaf.NotBefore, leaf.NotAfter)
	}

	verify := func(c *x509.Certificate, pool *x509.CertPool, name string, usage x509.ExtKeyUsage) error {
		_, err := c.Verify(x509.VerifyOptions{Roots: pool, DNSName: name, KeyUsages: []x509.ExtKeyUsage{usage}})
		return err
	}
	if err := verify(leaf, ca.Pool(), "replica.dc2.internal", x509.ExtKeyUsageServerAuth); err != nil {
		t.Errorf("the server certificate does not verify against ca.Pool() for replica.dc2.internal: %v", err)
	}
	if err := verify(leaf, ca.Pool(), "127.0.0.1", x509.ExtKeyUsageServerAuth); err != nil {
		t.Errorf("the server certificate does not verify for 127.0.0.1: %v", err)
	}
	if verify(leaf, ca.Pool(), "", x509.ExtKeyUsageClientAuth) == nil {
		t.Errorf("a server certificate verified for client auth; ExtKeyUsage must be ServerAuth only")
	}
	if verify(leaf, other.Pool(), "replica.dc2.internal", x509.ExtKeyUsageServerAuth) == nil {
		t.Errorf("a certificate from one CA verified against another CA's pool")
	}

	client, err := ca.Issue("dc1-replicator", nil, true, time.Time{}, time.Time{})
	step1.Require(t, err)
	if cl := leafOf(t, client); verify(cl, ca.Pool(), "", x509.ExtKeyUsageClientAuth) != nil || verify(cl, ca.Pool(), "", x509.ExtKeyUsageServerAuth) == nil {
		t.Errorf("client certificate: want ExtKeyUsage ClientAuth only (got %v)", cl.ExtKeyUsage)
	} else if cl.SerialNumber.Cmp(leaf.SerialNumber) == 0 {
		t.Errorf("two certificates from one CA share serial %v; serials must be unique", cl.SerialNumber)
	}

	past := now.Add(-48 * time.Hour)
	expired, err := ca.Issue("old", []string{"replica.dc2.internal"}, false, past, past.Add(24*time.Hour))
	step1.Require(t, err)
	var invalid x509.CertificateInvalidError
	if err := verify(leafOf(t, expired), ca.Pool(), "replica.dc2.internal", x509.ExtKeyUsageServerAuth); !errors.As(err, &invalid) || invalid.Reason != x509.Expired {
		t.Errorf("a certificate with NotAfter in the past verified with %v; want x509.Expired", err)
	}

	t.Run("handshake", func(t *testing.T) {
		// crypto/tls itself, over an in-memory pipe: no gRPC, no lab config.
		c1, c2 := net.Pipe()
		defer c1.Close()
		defer c2.Close()
		srv := tls.Server(c1, &tls.Config{Certificates: []tls.Certificate{server}, ClientCAs: ca.Pool(), ClientAuth: tls.RequireAndVerifyClientCert})
		cli := tls.Client(c2, &tls.Config{RootCAs: ca.Pool(), ServerName: "replica.dc2.internal", Certificates: []tls.Certificate{client}})
		errc := make(chan error, 1)
		go func() { errc <- srv.HandshakeContext(t.Context()) }()
		if err := cli.HandshakeContext(t.Context()); err != nil {
			t.Fatalf("mutual TLS handshake with your certificates: %v", err)
		}
		if err := <-errc; err != nil {
			t.Fatalf("server side of the handshake: %v", err)
		}
		if got := srv.ConnectionState().PeerCertificates[0].Subject.CommonName; got != "dc1-replicator" {
			t.Errorf("server saw client CN %q, want dc1-replicator", got)
		}
	})
}

// serveTLS starts the replica service with creds on tr and dials it with dial.
func serveTLS(t *testing.T, tr labkit.Transport, srv *replica.Server, creds credentials.TransportCredentials, dial ...grpc.DialOption) securelabv1.ReplicaServiceClient {
	var sopts []grpc.ServerOption
	if creds != nil {
		sopts = append(sopts, grpc.Creds(creds))
	}
	s := labkit.Serve(t, tr, func(g *grpc.Server) { securelabv1.RegisterReplicaServiceServer(g, srv) },
		labkit.Options{Server: sopts, Client: dial})
	return securelabv1.NewReplicaServiceClient(s.Conn)
}

// requireConfigs stops a later step's test while step 2 is not done.
func requireConfigs(t *testing.T, serverTLS ServerTLSFunc, clientTLS ClientTLSFunc) {
	t.Helper()
	f := certs(t)
	if serverTLS(f.server, nil) == nil || clientTLS(f.ca.pool(), serverName, nil) == nil {
		step2.Check(t, labkit.TODO("ServerTLSConfig / ClientTLSConfig"))
		t.Fatal("ServerTLSConfig and ClientTLSConfig must return a config")
	}
}

func tlsDial(cfg *tls.Config) grpc.DialOption {
	return grpc.WithTransportCredentials(credentials.NewTLS(cfg))
}

// TestTLS: step 2, server-authenticated TLS: the client trusts only the
// CA it is given and checks the server's name.
func TestTLS(t *testing.T, serverTLS ServerTLSFunc, clientTLS ClientTLSFunc) {
	f := certs(t)
	scfg := serverTLS(f.server, nil)
	ccfg := clientTLS(f.ca.pool(), serverName, nil)
	if scfg == nil || ccfg == nil {
		step2.Check(t, labkit.TODO("ServerTLSConfig / ClientTLSConfig"))
		t.Fatal("ServerTLSConfig and ClientTLSConfig must return a config")
	}
	switch {
	case scfg.MinVersion < tls.VersionTLS12 || ccfg.MinVersion < tls.VersionTLS12:
		t.Errorf("MinVersion server %#x, client %#x; want at least TLS 1.2 on both (0 lets crypto/tls pick its default, say it explicitly)", scfg.MinVersion, ccfg.MinVersion)
	case ccfg.InsecureSkipVerify:
		t.Errorf("InsecureSkipVerify is on: the client would accept any server")
	case scfg.ClientAuth != tls.NoClientCert:
		t.Errorf("without client CAs the server must not ask for client certificates (ClientAuth %v)", scfg.ClientAuth)
	case ccfg.ServerName != serverName:
		t.Errorf("client ServerName %q, want %q", ccfg.ServerName, serverName)
	}

	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		seenc := make(chan credentials.TLSInfo, 1) // from the handler: no shared variable
		srv := &replica.Server{Records: records(3), PeerName: func(ctx context.Context) string {
			p, _ := peer.FromContext(ctx)
			info, _ := p.AuthInfo.(credentials.TLSInfo)
			seenc <- info
			return ""
		}}
		client := serveTLS(t, tr, srv, credentials.NewTLS(serverTLS(f.server, nil)), tlsDial(clientTLS(f.ca.pool(), serverName, nil)))
		var p peer.Peer
		resp, err := client.Pull(t.Context(), &securelabv1.PullRequest{}, grpc.Peer(&p))
		step2.Require(t, err)
		if len(resp.GetRecords()) != 3 {
			t.Errorf("Pull over TLS returned %d records, want 3", len(resp.GetRecords()))
		}
		info, ok := p.AuthInfo.(credentials.TLSInfo)
		if !ok || len(info.State.PeerCertificates) == 0 || info.State.PeerCertificates[0].Subject.CommonName != "replica.dc2" {
			t.Fatalf("the client's view of the connection: %T; want TLS with the server's certificate (CN replica.dc2)", p.AuthInfo)
		}
		if seen := <-seenc; info.State.NegotiatedProtocol != "h2" || seen.State.Version < tls.VersionTLS12 {
			t.Errorf("ALPN %q, version %#x; want h2 over TLS 1.2+", info.State.NegotiatedProtocol, seen.State.Version)
		}
	})
}

// TestMutualTLS: step 3, the server demands a client certificate from its
// CA, and the handler learns who called from the verified chain.
func TestMutualTLS(t *testing.T, serverTLS ServerTLSFunc, clientTLS ClientTLSFunc, peerName PeerNameFunc) {
	f := certs(t)
	requireConfigs(t, serverTLS, clientTLS)
	scfg := serverTLS(f.server, f.ca.pool())
	if scfg.ClientAuth != tls.RequireAndVerifyClientCert || scfg.ClientCAs == nil {
		t.Errorf("with client CAs: ClientAuth %v; want RequireAndVerifyClientCert and ClientCAs set", scfg.ClientAuth)
	}
	check := func(t *testing.T, resp *securelabv1.PullResponse, err error, want, why string) {
		t.Helper()
		step3.Require(t, err)
		step3.Check(t, todoString(resp.GetPeer()))
		if resp.GetPeer() != want {
			t.Errorf("PeerCommonName = %q, want %q: %s", resp.GetPeer(), want, why)
		}
	}

	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		srv := &replica.Server{Records: records(1), PeerName: peerName}
		client := serveTLS(t, tr, srv, credentials.NewTLS(serverTLS(f.server, f.ca.pool())),
			tlsDial(clientTLS(f.ca.pool(), serverName, &f.client)))
		resp, err := client.Pull(t.Context(), &securelabv1.PullRequest{})
		check(t, resp, err, "dc1-replicator", "the client certificate's common name")
	})

	t.Run("unverified_certificate", func(t *testing.T) {
		// A server that asks for a certificate but does not verify it: the
		// client's cert is in PeerCertificates, not in VerifiedChains.
		cfg := &tls.Config{Certificates: []tls.Certificate{f.server}, ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12}
		client := serveTLS(t, labkit.Bufconn, &replica.Server{PeerName: peerName}, credentials.NewTLS(cfg),
			tlsDial(clientTLS(f.ca.pool(), serverName, &f.otherClient)))
		resp, err := client.Pull(t.Context(), &securelabv1.PullRequest{})
		check(t, resp, err, "", "a certificate nobody verified proves nothing; read VerifiedChains, not PeerCertificates")
	})

	t.Run("plaintext", func(t *testing.T) {
		client := serveTLS(t, labkit.Bufconn, &replica.Server{PeerName: peerName}, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
		resp, err := client.Pull(t.Context(), &securelabv1.PullRequest{})
		check(t, resp, err, "", "a plaintext connection has no certificate")
	})
}

func records(n int) []*securelabv1.Record { return replica.Records(n) }
