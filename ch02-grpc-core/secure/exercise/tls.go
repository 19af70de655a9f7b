package exercise

import (
	"context"
	"crypto/tls"
	"crypto/x509"
)

// ServerTLSConfig is the server's side of the handshake: it presents cert,
// and when clientCAs is not nil it demands a client certificate signed by
// one of them (mutual TLS). Callers wrap it with credentials.NewTLS.
//
// Step 2 (the server certificate and a minimum version), step 3 (clientCAs).
// It returns nil until you write it.
func ServerTLSConfig(cert tls.Certificate, clientCAs *x509.CertPool) *tls.Config {
	return nil
}

// ClientTLSConfig is the client's side: it trusts roots only, checks the
// server's certificate against serverName, and presents cert when given
// (mutual TLS).
//
// Step 2 (roots, server name, minimum version), step 3 (cert).
// It returns nil until you write it.
func ClientTLSConfig(roots *x509.CertPool, serverName string, cert *tls.Certificate) *tls.Config {
	return nil
}

// PeerCommonName is the common name of the client certificate on the
// connection ctx's call arrived on, or "" when there is no verified one
// (no certificate, not verified, or not TLS at all).
//
// Step 3: peer.FromContext, then its AuthInfo as credentials.TLSInfo.
func PeerCommonName(ctx context.Context) string {
	return "TODO: implement PeerCommonName"
}
