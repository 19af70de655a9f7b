package interceptorstest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// FuzzAuthorization: step 3. The authorization value is untrusted bytes:
// whatever it holds, the interceptor must not crash, and it may let a
// call through only for "Bearer", one or more spaces, and an exact known
// token (the scheme in any case).
func FuzzAuthorization[A AuthAPI](f *testing.F, newAuth NewAuthFunc[A]) {
	for _, seed := range []string{
		"Bearer " + tokReader, "bearer " + tokAdmin, "BEARER " + tokGuest, "Bearer", "Bearer ", "Bearer  " + tokReader,
		tokReader, "Basic " + tokReader, "Bearer " + tokReader + " ", "Bearer\t" + tokReader, "", "\x00", "Bearer \xff",
	} {
		f.Add(seed)
	}
	intercept := newAuth(tokens(), policy()).Unary()
	f.Fuzz(func(t *testing.T, value string) {
		ctx := metadata.NewIncomingContext(context.Background(), metadata.MD{"authorization": []string{value}})
		ran := false
		_, err := intercept(ctx, nil, &grpc.UnaryServerInfo{FullMethod: mGet}, func(context.Context, any) (any, error) {
			ran = true
			return "ok", nil
		})
		step3.Check(t, err)
		scheme, tok, _ := strings.Cut(value, " ")
		tok = strings.TrimLeft(tok, " ") // "Bearer" 1*SP token (RFC 6750)
		id, known := tokens()[tok]
		allowed := strings.EqualFold(scheme, "bearer") && known && id.Role != "guest"
		switch {
		case allowed && (err != nil || !ran):
			t.Errorf("authorization %q: %v (handler ran: %v), want the call let through", value, err, ran)
		case !allowed && (err == nil || ran):
			t.Errorf("authorization %q: let through, want it refused", value)
		case !allowed && known && id.Role == "guest" && strings.EqualFold(scheme, "bearer"):
			if status.Code(err) != codes.PermissionDenied {
				t.Errorf("authorization %q (a guest): %v, want PermissionDenied", value, err)
			}
		case !allowed && status.Code(err) != codes.Unauthenticated:
			t.Errorf("authorization %q: %v, want Unauthenticated", value, err)
		}
	})
}

// FuzzMetricsText: step 5. Method names reach the label values: whatever
// they hold (valid UTF-8, as gRPC requires), the text must parse and give
// the same service and method back.
func FuzzMetricsText[M MetricsAPI](f *testing.F, newMetrics NewMetricsFunc[M]) {
	for _, seed := range [][2]string{
		{"interceptors.v1.NoteService", "GetNote"}, {`we"ird`, `back\slash`}, {"new\nline", "ok"}, {"", ""}, {"ünï", "中文"}, {`\n`, `\"`},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, service, method string) {
		if !utf8.ValidString(service) || !utf8.ValidString(method) || strings.Contains(service+method, "/") {
			t.Skip("gRPC method names are UTF-8 and \"/service/method\"")
		}
		m := newMetrics(testBounds, newClock().Now)
		_, err := m.Unary()(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/" + service + "/" + method},
			func(context.Context, any) (any, error) { return "ok", nil })
		step4.Require(t, err)
		var buf bytes.Buffer
		step5.Require(t, m.WriteText(&buf))
		fams := parseText(t, buf.String())
		got := fams[counterName].GetMetric()
		if want := service + "/" + method + "/OK"; len(got) != 1 || labelsOf(got[0]) != want {
			t.Errorf("service %q method %q came back as %v", service, method, got)
		}
	})
}
