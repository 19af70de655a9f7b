package solution

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	userv1 "github.com/grpclabs/labs/ch01-overview/gen/user/v1"
)

const (
	maxBody  = 1 << 20 // a user is tiny; refuse to buffer a runaway body
	maxDrain = 64 << 10
)

// GetUser fetches one user from the JSON API at baseURL (e.g.
// "http://127.0.0.1:8080") through hc. A non-200 answer is an *HTTPError;
// a cancelled or expired ctx gives an error that errors.Is reports as
// context.Canceled or context.DeadlineExceeded.
func GetUser(ctx context.Context, hc *http.Client, baseURL, id string) (*userv1.GetUserResponse, error) {
	// PathEscape keeps an id such as "a/b" one path segment ("a%2Fb"),
	// which the server's {id} wildcard unescapes again.
	u := strings.TrimSuffix(baseURL, "/") + "/v1/users/" + url.PathEscape(id)
	// The context rides on the request: hc.Do gives up, and closes the
	// connection, when ctx ends. http.Get has no way to say that.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("get user %q: %w", id, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		// *url.Error unwraps to ctx.Err(), so errors.Is still works.
		return nil, fmt.Errorf("get user %q: %w", id, err)
	}
	// Release on every path, the error answers too, or the connection
	// cannot go back to the pool.
	defer Release(resp.Body)

	if resp.StatusCode != http.StatusOK {
		return nil, readError(resp, id)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return nil, fmt.Errorf("get user %q: response Content-Type is %q, want application/json", id, resp.Header.Get("Content-Type"))
	}
	var body User
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&body); err != nil {
		return nil, fmt.Errorf("get user %q: decode response: %w", id, err)
	}
	return &userv1.GetUserResponse{Name: body.Name, Age: body.Age}, nil
}

// Release reads what is left of a response body and closes it, so the
// transport can reuse the connection: it does so only if the body was read
// to EOF before Close. A JSON decoder stops at the closing brace and leaves
// the rest (a newline, padding, a chunked terminator) unread, and an error
// path may read nothing at all. It drains a bounded amount, so a huge body
// costs a new connection instead of a long read.
func Release(body io.ReadCloser) error {
	_, err := io.Copy(io.Discard, io.LimitReader(body, maxDrain))
	if cerr := body.Close(); err == nil {
		err = cerr
	}
	return err
}

// readError turns a non-200 answer into an *HTTPError, using the JSON
// {"error": ...} body when there is one and the raw text otherwise (the
// mux's own 404 and 405 answers are plain text).
func readError(resp *http.Response, id string) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	msg := strings.TrimSpace(string(raw))
	var eb ErrorBody
	if json.Unmarshal(raw, &eb) == nil && eb.Error != "" {
		msg = eb.Error
	}
	return &HTTPError{UserID: id, StatusCode: resp.StatusCode, Message: msg}
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
