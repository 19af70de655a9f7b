package securetest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/credentials/jwt"
	"google.golang.org/grpc/status"

	securelabv1 "github.com/grpclabs/labs/ch02-grpc-core/gen/securelab/v1"
	"github.com/grpclabs/labs/ch02-grpc-core/secure/replica"
	"github.com/grpclabs/labs/scripts/labkit"
)

// TestBearerToken: step 4, a token that rides on every call and refuses
// to travel without TLS.
func TestBearerToken[P credentials.PerRPCCredentials](t *testing.T, newToken func(token string) P, serverTLS ServerTLSFunc, clientTLS ClientTLSFunc) {
	f := certs(t)
	requireConfigs(t, serverTLS, clientTLS)
	tok := newToken("s3cret")
	md, err := tok.GetRequestMetadata(t.Context())
	step4.Require(t, err)
	if len(md) != 1 || md["authorization"] != "Bearer s3cret" {
		t.Errorf("GetRequestMetadata = %v; want exactly authorization: \"Bearer s3cret\" (lower-case key: HTTP/2 header names are)", md)
	}
	if !tok.RequireTransportSecurity() {
		t.Errorf("RequireTransportSecurity() = false; a bearer token is a password and must never cross the network in clear")
	}

	labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
		srv := &replica.Server{Tokens: map[string]string{"s3cret": "dc1-replicator"}}
		client := serveTLS(t, tr, srv, credentials.NewTLS(serverTLS(f.server, nil)),
			tlsDial(clientTLS(f.ca.pool(), serverName, nil)), grpc.WithPerRPCCredentials(tok))
		resp, err := client.Pull(t.Context(), &securelabv1.PullRequest{})
		step4.Require(t, err)
		if resp.GetSubject() != "dc1-replicator" {
			t.Errorf("server saw subject %q, want dc1-replicator: the token did not arrive", resp.GetSubject())
		}
	})

	t.Run("refused_without_tls", func(t *testing.T) {
		// On the connection: grpc.NewClient itself refuses. grpc's own JWT
		// call credentials (which also require security) get the same answer.
		_, ours := grpc.NewClient("passthrough:///nowhere", grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithPerRPCCredentials(tok))
		path := filepath.Join(t.TempDir(), "token.jwt")
		if err := os.WriteFile(path, []byte("x.e30.y"), 0o600); err != nil {
			t.Fatal(err)
		}
		theirsCreds, err := jwt.NewTokenFileCallCredentials(path)
		if err != nil {
			t.Fatal(err)
		}
		_, theirs := grpc.NewClient("passthrough:///nowhere", grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithPerRPCCredentials(theirsCreds))
		if ours == nil || theirs == nil || ours.Error() != theirs.Error() || !strings.Contains(ours.Error(), "require transport level security") {
			t.Errorf("NewClient with the token on an insecure connection: %v; grpc's JWT credentials: %v; want the same refusal", ours, theirs)
		}

		// On one call: the call fails before anything is sent.
		client := serveTLS(t, labkit.Bufconn, &replica.Server{Tokens: map[string]string{"s3cret": "x"}}, nil,
			grpc.WithTransportCredentials(insecure.NewCredentials()))
		_, err = client.Pull(t.Context(), &securelabv1.PullRequest{}, grpc.PerRPCCredentials(tok))
		if status.Code(err) != codes.Unauthenticated || !strings.Contains(err.Error(), "cannot send secure credentials on an insecure connection") {
			t.Errorf("a call with the token on a plaintext connection: %v; want Unauthenticated, \"cannot send secure credentials on an insecure connection\"", err)
		}
	})
}

// failure is one way a secure connection goes wrong.
type failure struct {
	name   string
	server func(*fixtureSet) *serverSide
	client func(*fixtureSet, ClientTLSFunc) grpc.DialOption
	// Where the cause shows, and the words that show it. grpc-go's client
	// message is specific only when the client itself found the problem;
	// when the server refused, the client may see just a closed connection,
	// and the server's handshake error has the cause.
	clientSays, serverSays string
	tag                    string // Explain's tag for the side that knows
}

type serverSide struct {
	cert      tls.Certificate
	clientCAs *x509.CertPool
	plaintext bool
}

func failures() []failure {
	server := func(c func(*fixtureSet) tls.Certificate, mtls bool) func(*fixtureSet) *serverSide {
		return func(f *fixtureSet) *serverSide {
			s := &serverSide{cert: c(f)}
			if mtls {
				s.clientCAs = f.ca.pool()
			}
			return s
		}
	}
	good := func(f *fixtureSet) tls.Certificate { return f.server }
	client := func(roots func(*fixtureSet) *fixtureCA, name string, cert func(*fixtureSet) *tls.Certificate) func(*fixtureSet, ClientTLSFunc) grpc.DialOption {
		return func(f *fixtureSet, clientTLS ClientTLSFunc) grpc.DialOption {
			var c *tls.Certificate
			if cert != nil {
				c = cert(f)
			}
			return tlsDial(clientTLS(roots(f).pool(), name, c))
		}
	}
	ours := func(f *fixtureSet) *fixtureCA { return f.ca }
	theirs := func(f *fixtureSet) *fixtureCA { return f.other }
	return []failure{
		{name: "wrong_ca", server: server(good, false), client: client(theirs, serverName, nil),
			clientSays: "certificate signed by unknown authority", tag: "untrusted CA"},
		{name: "expired_server_certificate", server: server(func(f *fixtureSet) tls.Certificate { return f.expiredServer }, false), client: client(ours, serverName, nil),
			clientSays: "certificate has expired or is not yet valid", tag: "expired certificate"},
		{name: "wrong_server_name", server: server(good, false), client: client(ours, "replica.dc3.internal", nil),
			clientSays: "certificate is valid for replica.dc2.internal, not replica.dc3.internal", tag: "name mismatch"},
		{name: "no_client_certificate", server: server(good, true), client: client(ours, serverName, nil),
			serverSays: "client didn't provide a certificate", tag: "client certificate required"},
		{name: "client_certificate_from_another_ca", server: server(good, true), // crypto/tls sends none the server's CA list excludes
			client:     client(ours, serverName, func(f *fixtureSet) *tls.Certificate { return &f.otherClient }),
			serverSays: "client didn't provide a certificate", tag: "client certificate required"},
		{name: "expired_client_certificate", server: server(good, true),
			client:     client(ours, serverName, func(f *fixtureSet) *tls.Certificate { return &f.expiredClient }),
			serverSays: "certificate has expired or is not yet valid", tag: "expired certificate"},
		{name: "server_certificate_as_client_certificate", server: server(good, true),
			client:     client(ours, serverName, func(f *fixtureSet) *tls.Certificate { return &f.server }),
			serverSays: "incompatible key usage", tag: "certificate rejected"},
		{name: "plaintext_client_tls_server", server: server(good, false),
			client: func(*fixtureSet, ClientTLSFunc) grpc.DialOption {
				return grpc.WithTransportCredentials(insecure.NewCredentials())
			},
			serverSays: "first record does not look like a TLS handshake", tag: "TLS/plaintext mismatch"},
		{name: "tls_client_plaintext_server", server: func(*fixtureSet) *serverSide { return &serverSide{plaintext: true} }, client: client(ours, serverName, nil),
			clientSays: "first record does not look like a TLS handshake", tag: "TLS/plaintext mismatch"},
	}
}

// WatchFunc is the lab's handshake watcher.
type WatchFunc func(credentials.TransportCredentials, func(net.Addr, error)) credentials.TransportCredentials

// TestHandshakeErrors: step 5, every broken setup fails with Unavailable
// and a cause someone can act on: in the client's error, or in the
// server's handshake report, and in Explain's words.
func TestHandshakeErrors(t *testing.T, serverTLS ServerTLSFunc, clientTLS ClientTLSFunc, watch WatchFunc, explain func(error) string) {
	f := certs(t)
	requireConfigs(t, serverTLS, clientTLS)
	explained := func(t *testing.T, err error, tag string) {
		t.Helper()
		got := explain(err)
		step5.Check(t, todoString(got))
		if !strings.HasPrefix(got, tag+": ") {
			t.Errorf("Explain(%v) = %q; want it to start with %q", err, got, tag+": ")
		}
	}
	if got := explain(nil); got != "" {
		step5.Check(t, todoString(got))
		t.Errorf("Explain(nil) = %q, want \"\"", got)
	}

	for _, fc := range failures() {
		t.Run(fc.name, func(t *testing.T) {
			labkit.Run(t, func(t *testing.T, tr labkit.Transport) {
				side := fc.server(f)
				reports := make(chan error, 4)
				var creds credentials.TransportCredentials
				if !side.plaintext {
					creds = watch(credentials.NewTLS(serverTLS(side.cert, side.clientCAs)), func(_ net.Addr, err error) {
						select {
						case reports <- err:
						default:
						}
					})
				}
				client := serveTLS(t, tr, &replica.Server{}, creds, fc.client(f, clientTLS))
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				_, err := client.Pull(ctx, &securelabv1.PullRequest{})
				if err == nil {
					t.Fatal("the call succeeded; this setup must fail")
				}
				if status.Code(err) != codes.Unavailable {
					t.Errorf("code %v, want Unavailable: grpc reports every failed handshake so (%v)", status.Code(err), err)
				}
				if fc.clientSays != "" {
					if !strings.Contains(err.Error(), fc.clientSays) {
						t.Errorf("client error %q; want it to contain %q", err, fc.clientSays)
					}
					explained(t, err, fc.tag)
				}
				if fc.serverSays != "" {
					// The server's handshake ends after the client's call failed
					// at times: wait for the report (bounded, not a sleep).
					var rep error
					select {
					case rep = <-reports:
					case <-ctx.Done():
						t.Fatalf("no handshake error reported by the server within 10s; want one containing %q", fc.serverSays)
					}
					if !strings.Contains(rep.Error(), fc.serverSays) {
						t.Errorf("server handshake error %q; want it to contain %q", rep, fc.serverSays)
					}
					explained(t, rep, fc.tag)
					// The client's own message may be generic here; Explain must
					// still say something specific or point at the server.
					if got := explain(err); !strings.HasPrefix(got, fc.tag+": ") && !strings.HasPrefix(got, "connection closed during setup: ") {
						t.Errorf("Explain(client's %v) = %q; want %q or \"connection closed during setup: ...\"", err, got, fc.tag+": ")
					}
				}
			})
		})
	}

	t.Run("token_without_tls", func(t *testing.T) {
		explained(t, status.Error(codes.Unauthenticated, "transport: cannot send secure credentials on an insecure connection"), "token needs TLS")
	})
}
