package exercise

import (
	"context"
	"fmt"
	"net/http"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
	"github.com/grpclabs/labs/scripts/labkit"
)

// GetUser fetches one user from the JSON API at baseURL (e.g.
// "http://127.0.0.1:8080") through hc. A non-200 answer is an *HTTPError;
// a cancelled or expired ctx gives an error that errors.Is reports as
// context.Canceled or context.DeadlineExceeded.
//
//   - Step 3: GET baseURL + "/v1/users/" + the escaped id, decode a 200 into
//     a User, and turn any other status into an *HTTPError whose Message is
//     the body's "error" field (or the body's text when it is not JSON).
//   - Step 4: leave the connection reusable after every answer (read the
//     body to EOF and close it) and honour ctx.
func GetUser(ctx context.Context, hc *http.Client, baseURL, id string) (*userv1.GetUserResponse, error) {
	return nil, labkit.TODO("GetUser (the JSON client)")
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
