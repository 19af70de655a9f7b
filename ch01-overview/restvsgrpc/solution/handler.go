// Package solution is the reference for the restvsgrpc lab: GetUser served
// as HTTP/1.1 + JSON next to the gRPC service, from the same store, and a
// JSON client that behaves well on a shared connection pool.
package solution

import (
	"encoding/json"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
)

// User is the JSON body of a found user. It is a struct of our own rather
// than the generated message: encoding/json on a protobuf message copies its
// internal state and honours the generated `omitempty` tags, so a user aged
// 0 would lose its "age" field. Here both fields are always present.
type User struct {
	Name string `json:"name"`
	Age  int32  `json:"age"`
}

// ErrorBody is the JSON body of every error answer.
type ErrorBody struct {
	Error string `json:"error"`
}

// NewHandler serves GET /v1/users/{id} from users, the same service value
// the gRPC server registers: one store, two front doors.
func NewHandler(users userv1.UserServiceServer) http.Handler {
	mux := http.NewServeMux()
	routeUsers(mux, users)
	routeEmptyID(mux, users)
	return mux
}

// routeUsers adds the route for one user.
func routeUsers(mux *http.ServeMux, users userv1.UserServiceServer) {
	// A method in the pattern makes the mux answer other methods with 405
	// and an Allow header; a GET pattern also accepts HEAD.
	mux.HandleFunc("GET /v1/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		// PathValue is already unescaped: /v1/users/a%2Fb gives "a/b".
		getUser(w, r, users, r.PathValue("id"))
	})
}

// routeEmptyID adds the route for /v1/users/ itself.
func routeEmptyID(mux *http.ServeMux, users userv1.UserServiceServer) {
	// {id} never matches an empty segment, so without this pattern
	// /v1/users/ would be the mux's plain-text 404. {$} matches exactly the
	// trailing slash, and the service turns "" into InvalidArgument.
	mux.HandleFunc("GET /v1/users/{$}", func(w http.ResponseWriter, r *http.Request) {
		getUser(w, r, users, "")
	})
}

// getUser answers one request from the store.
func getUser(w http.ResponseWriter, r *http.Request, users userv1.UserServiceServer, id string) {
	// r.Context() ends when the client goes away, so the store can stop
	// working for nobody, exactly as with gRPC's ctx.
	resp, err := users.GetUser(r.Context(), &userv1.GetUserRequest{UserId: id})
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, User{Name: resp.GetName(), Age: resp.GetAge()})
}

// writeError maps the service's gRPC status onto HTTP, the way
// grpc-gateway and Google's APIs do for these codes.
func writeError(w http.ResponseWriter, err error) {
	s, _ := status.FromError(err)
	code, msg := http.StatusInternalServerError, "internal error"
	switch s.Code() {
	case codes.InvalidArgument:
		code, msg = http.StatusBadRequest, s.Message()
	case codes.NotFound:
		code, msg = http.StatusNotFound, s.Message()
	case codes.DeadlineExceeded:
		code, msg = http.StatusGatewayTimeout, s.Message()
	case codes.Canceled:
		// The client is gone; nobody reads this. 499 is nginx's
		// "client closed request", what access logs expect.
		code, msg = 499, s.Message()
	case codes.Unavailable:
		code, msg = http.StatusServiceUnavailable, s.Message()
	}
	// Anything else (Internal, Unknown, a plain Go error) is a 500 whose
	// message stays in the server: it may hold details a caller must not see.
	writeJSON(w, code, ErrorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	// Headers first: once WriteHeader runs, changes to w.Header() are lost.
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	// The values are our own small structs, so Encode cannot fail except on
	// a broken connection, and then there is no one left to tell.
	_ = json.NewEncoder(w).Encode(v)
}
