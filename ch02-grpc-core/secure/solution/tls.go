package solution

import (
	"context"
	"crypto/tls"
	"crypto/x509"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
)

// ServerTLSConfig is the server's side of the handshake: it presents cert,
// and when clientCAs is not nil it demands a client certificate signed by
// one of them (mutual TLS). Wrap it with credentials.NewTLS.
func ServerTLSConfig(cert tls.Certificate, clientCAs *x509.CertPool) *tls.Config {
	cfg := &tls.Config{
		Certificates: []tls.Certificate{cert},
		// TLS 1.3 only: both ends are ours, so there is no old client to
		// accommodate, and 1.3 has one round trip and no weak suites.
		MinVersion: tls.VersionTLS13,
	}
	if clientCAs != nil {
		cfg.ClientCAs = clientCAs
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg
}

// ClientTLSConfig is the client's side: it trusts roots only (not the
// system pool: a private CA signs datacenter-internal names), checks the
// server's certificate against serverName, and presents cert when given
// (mutual TLS).
func ClientTLSConfig(roots *x509.CertPool, serverName string, cert *tls.Certificate) *tls.Config {
	cfg := &tls.Config{
		RootCAs:    roots,
		ServerName: serverName,
		MinVersion: tls.VersionTLS13,
	}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return cfg
}

// PeerCommonName is the common name of the client certificate on the
// connection ctx's call arrived on, or "" when the client sent none (or
// the connection is not TLS).
func PeerCommonName(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return ""
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 {
		// Only a verified chain proves who the peer is; PeerCertificates
		// alone is whatever the client chose to send.
		return ""
	}
	return info.State.VerifiedChains[0][0].Subject.CommonName
}
