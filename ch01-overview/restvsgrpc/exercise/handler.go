// Package exercise is your copy of the restvsgrpc lab: the same GetUser as
// an HTTP/1.1 + JSON API, and a JSON client for it. Edit this file and
// client.go until `go test` here is green; README.md walks you through it.
package exercise

import (
	"encoding/json"
	"net/http"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// User is the JSON body of a found user: {"name": "...", "age": 42}.
type User struct {
	Name string `json:"name"`
	Age  int32  `json:"age"`
}

// ErrorBody is the JSON body of every error answer: {"error": "..."}.
type ErrorBody struct {
	Error string `json:"error"`
}

// NewHandler serves GET /v1/users/{id} from users, the same service value
// the gRPC server registers: one store, two front doors. It is given: each
// route is a function of its own.
func NewHandler(users userv1.UserServiceServer) http.Handler {
	mux := http.NewServeMux()
	routeUsers(mux, users)
	routeEmptyID(mux, users)
	return mux
}

// routeUsers adds the route for one user. Step 1: replace the stand-in
// below with a handler that calls getUser with r.PathValue("id").
func routeUsers(mux *http.ServeMux, users userv1.UserServiceServer) {
	mux.Handle("GET /v1/users/{id}", todo("routeUsers"))
}

// routeEmptyID adds the route for /v1/users/ itself. Step 2: an empty id
// does not match {id}; give it a route of its own so it gets a JSON 400,
// not the mux's plain-text 404. The stand-in below answers everything
// under /v1/users/ that no other route takes: replace it.
func routeEmptyID(mux *http.ServeMux, users userv1.UserServiceServer) {
	mux.Handle("/v1/users/", todo("routeEmptyID"))
}

// getUser answers one request. Step 1: ask users for the user (with the
// request's context), and answer 200 with a User as JSON; hand any error to
// writeError.
func getUser(w http.ResponseWriter, r *http.Request, users userv1.UserServiceServer, id string) {
	todo("getUser").ServeHTTP(w, r)
}

// writeError maps the service's gRPC status onto an HTTP status and a JSON
// ErrorBody. Step 2: InvalidArgument is 400, NotFound is 404 (keep the
// message: it names the id); anything unexpected is a 500 whose message
// stays in the server.
func writeError(w http.ResponseWriter, err error) {
	writeJSON(w, http.StatusNotImplemented, ErrorBody{Error: labkit.TODO("writeError").Error()})
}

// writeJSON sends v as JSON with the status code. Step 1: which header does
// a JSON answer need, and when must it be set?
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.WriteHeader(http.StatusNotImplemented)
	_ = json.NewEncoder(w).Encode(ErrorBody{Error: labkit.TODO("writeJSON").Error()})
}

// todo answers every request with the TODO signal, as a 501 whose JSON
// body names what to implement. The suite reads it back. Leave it as is.
func todo(what string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotImplemented)
		_ = json.NewEncoder(w).Encode(ErrorBody{Error: labkit.TODO(what).Error()})
	})
}
