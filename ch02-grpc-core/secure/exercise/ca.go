// Package exercise is your copy of the secure lab (第一章 跨数据中心通信:
// encryption and compression between datacenters). Edit the files here
// until `go test` in this folder is green; README.md walks you through it.
package exercise

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"time"

	"github.com/grpclabs/labs/scripts/labkit"
)

// CA is a tiny certificate authority that lives in memory: tests and demos
// make their own, so no private key is ever written to disk or committed.
type CA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// NewCA makes a self-signed CA certificate valid for a day, with an ECDSA
// P-256 key.
//
// Step 1: a template with IsCA, BasicConstraintsValid and KeyUsageCertSign,
// signed by its own key (x509.CreateCertificate with the template as both
// the certificate and its parent).
func NewCA(commonName string) (*CA, error) {
	return nil, labkit.TODO("NewCA")
}

// Certificate is the CA's own (self-signed) certificate.
func (ca *CA) Certificate() *x509.Certificate { return ca.cert }

// Pool is a pool holding just this CA: what a peer trusts.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// Issue signs a new leaf certificate with a fresh P-256 key.
//
// hosts are the names it is valid for: DNS names, or IP addresses written
// as such ("127.0.0.1", "::1"). client makes a client certificate
// (ExtKeyUsageClientAuth) instead of a server one (ExtKeyUsageServerAuth).
// A zero notBefore means an hour ago; a zero notAfter, a day after
// notBefore. Serial numbers must be unique.
//
// Step 1.
func (ca *CA) Issue(commonName string, hosts []string, client bool, notBefore, notAfter time.Time) (tls.Certificate, error) {
	return tls.Certificate{}, labkit.TODO("CA.Issue")
}
