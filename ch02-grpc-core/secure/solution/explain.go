package solution

import (
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Explain names the cause of a failed secure connection in one line that
// starts with a fixed tag (the README lists them), then says what to check.
// It reads either side's error: the client's call error, or the error a
// server's handshake reported (see WatchHandshakes), which is why the
// wording says "peer" rather than "server". grpc-go reports every
// handshake failure as Unavailable, with the TLS library's words inside
// the message; those words are what this matches. nil gives "".
func Explain(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	if st, ok := status.FromError(err); ok {
		msg = st.Message()
	}
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(msg, s) {
				return true
			}
		}
		return false
	}
	switch {
	// Verification of the peer's certificate failed on this side, or the
	// peer says so in a TLS alert ("remote error: tls: ...").
	case has("certificate signed by unknown authority", "remote error: tls: unknown certificate authority"):
		return "untrusted CA: the peer's certificate is not signed by a CA this side trusts (RootCAs on a client, ClientCAs on a server)"
	case has("certificate has expired or is not yet valid", "remote error: tls: expired certificate"):
		return "expired certificate: a certificate is outside its validity window (renew it, or check the clocks)"
	case has("certificate is valid for", "certificate is not valid for any names", "doesn't contain any IP SANs"):
		return "name mismatch: the server's certificate does not list the name the client checks (ServerName or the dialled host)"
	case has("client didn't provide a certificate", "remote error: tls: certificate required"):
		return "client certificate required: the server wants mutual TLS and the client sent no certificate signed by a CA the server trusts"
	case has("incompatible key usage", "remote error: tls: bad certificate", "remote error: tls: unsupported certificate"):
		return "certificate rejected: the peer could not verify this side's certificate (seen by a server: the client distrusts it, see the client's error; seen by a client: the server did, e.g. a server certificate used as a client one)"
	case has("first record does not look like a TLS handshake"):
		return "TLS/plaintext mismatch: one side speaks TLS and the other plaintext (from a client: the server is plaintext; from a server: the client is)"
	case has("the credentials require transport level security", "cannot send secure credentials on an insecure connection"):
		return "token needs TLS: per-RPC credentials that require transport security were used on a plaintext connection"
	case status.Code(err) == codes.Unavailable && has("server preface", "client preface", "broken pipe", "connection reset by peer", "closed pipe", "EOF"):
		// The peer hung up before HTTP/2 began and the client never heard
		// why: a TLS server hanging up on a plaintext client, or (TLS 1.3)
		// rejecting a client certificate after the client's side of the
		// handshake had already finished. Which words the client gets
		// depends on timing: EOF, a reset, a broken pipe, or the alert.
		return "connection closed during setup: the server hung up before HTTP/2 started; its handshake log (WatchHandshakes) has the reason"
	}
	return msg
}
