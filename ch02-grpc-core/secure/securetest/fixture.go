// Package securetest is the secure lab's suite. The exercise and the
// solution both run it through their one-screen *_test.go files, so every
// assertion is written once.
//
// Steps 2 to 6 get their certificates from the suite's own small CA
// (below), so a learner can work on TLS before step 1 is finished; step 1
// then checks the learner's CA on its own and in a real handshake.
package securetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grpclabs/labs/scripts/labkit"
)

const lab = "ch02-grpc-core/secure"

var (
	step1 = labkit.Step{Lab: lab, N: 1, What: "NewCA / CA.Issue"}
	step2 = labkit.Step{Lab: lab, N: 2, What: "ServerTLSConfig / ClientTLSConfig"}
	step3 = labkit.Step{Lab: lab, N: 3, What: "mutual TLS and PeerCommonName"}
	step4 = labkit.Step{Lab: lab, N: 4, What: "BearerToken"}
	step5 = labkit.Step{Lab: lab, N: 5, What: "Explain"}
	step6 = labkit.Step{Lab: lab, N: 6, What: "Compressed / CountingListener"}
)

// todoString turns the exercise's string-shaped TODO ("TODO: implement X")
// into the TODO signal.
func todoString(s string) error {
	if rest, ok := strings.CutPrefix(s, "TODO: implement "); ok {
		return labkit.TODO(rest)
	}
	return nil
}

// fixtureCA is the suite's own CA.
type fixtureCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// fixtureSet is every certificate the suite uses.
type fixtureSet struct {
	ca, other                          *fixtureCA
	server, expiredServer              tls.Certificate
	client, otherClient, expiredClient tls.Certificate
}

var (
	fixtureOnce sync.Once
	fixtures    fixtureSet
)

const serverName = "replica.dc2.internal"

// certs makes the suite's CAs and certificates once per test binary:
// ECDSA keys are cheap, but not free under -race -count=20.
func certs(t testing.TB) *fixtureSet {
	t.Helper()
	fixtureOnce.Do(func() {
		f := &fixtures
		f.ca, f.other = newFixtureCA("grpclabs dc root"), newFixtureCA("someone else's root")
		past := time.Now().Add(-48 * time.Hour)
		f.server = f.ca.issue("replica.dc2", []string{serverName, "127.0.0.1"}, false, time.Time{}, time.Time{})
		f.expiredServer = f.ca.issue("replica.dc2", []string{serverName}, false, past, past.Add(24*time.Hour))
		f.client = f.ca.issue("dc1-replicator", nil, true, time.Time{}, time.Time{})
		f.otherClient = f.other.issue("intruder", nil, true, time.Time{}, time.Time{})
		f.expiredClient = f.ca.issue("dc1-replicator", nil, true, past, past.Add(24*time.Hour))
	})
	return &fixtures
}

func newFixtureCA(cn string) *fixtureCA {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic("securetest: fixture CA: " + err.Error())
	}
	cert, _ := x509.ParseCertificate(der)
	return &fixtureCA{cert: cert, key: key}
}

func (ca *fixtureCA) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

func (ca *fixtureCA) issue(cn string, hosts []string, client bool, nb, na time.Time) tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if nb.IsZero() {
		nb = time.Now().Add(-time.Hour)
	}
	if na.IsZero() {
		na = nb.Add(24 * time.Hour)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn}, NotBefore: nb, NotAfter: na,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		panic("securetest: fixture cert: " + err.Error())
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}
