package exercise

import (
	"context"
	"fmt"
	"io"
	"net/http"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// GetUser fetches one user from the JSON API at baseURL (e.g.
// "http://127.0.0.1:8080") through hc. A non-200 answer is an *HTTPError;
// a cancelled or expired ctx gives an error that errors.Is reports as
// context.Canceled or context.DeadlineExceeded.
//
// Step 3: GET baseURL + "/v1/users/" + the escaped id with ctx on the
// request, decode a 200 into a User, and turn any other status into an
// *HTTPError whose Message is the body's "error" field (or the body's text
// when it is not JSON). Hand every body to Release (defer), error answers
// too.
func GetUser(ctx context.Context, hc *http.Client, baseURL, id string) (*userv1.GetUserResponse, error) {
	return nil, labkit.TODO("GetUser (the JSON client)")
}

// Release is done with a response body so that the transport can reuse
// its connection. Step 4: the stand-in below only closes it, which is not
// enough: when does the transport put a connection back in its pool?
func Release(body io.ReadCloser) error {
	body.Close()
	return labkit.TODO("Release")
}

// HTTPError is a GetUser call the server answered with a status other than
// 200. Callers branch on StatusCode (or HTTPStatus, through errors.As).
type HTTPError struct {
	UserID     string
	StatusCode int
	Message    string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("get user %q: HTTP %d: %s", e.UserID, e.StatusCode, e.Message)
}

// HTTPStatus returns the status code; tests and generic callers find it
// with errors.As(err, &x) where x is an interface{ HTTPStatus() int }.
func (e *HTTPError) HTTPStatus() int { return e.StatusCode }
