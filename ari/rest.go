package ari

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// apiError is an ARI answer outside 2xx.
type apiError struct {
	Method, Path string
	Status       int
	Message      string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("ari %s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

// call sends one REST request to ARI and decodes a JSON answer into out.
// A request whose context has no deadline gets Options.RequestTimeout.
// Transport failures wrap pbx.ErrDisconnected.
func (c *Client) call(ctx context.Context, method, path string, q url.Values, body, out any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.RequestTimeout)
		defer cancel()
	}
	u := c.opts.URL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%w: %s %s: %w", pbx.ErrBadRequest, method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("%w: %s %s: %w", pbx.ErrBadRequest, method, path, err)
	}
	req.SetBasicAuth(c.opts.Username, c.opts.Password)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %s %s: %w", pbx.ErrDisconnected, method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%w: %s %s: %w", pbx.ErrDisconnected, method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var m struct{ Message, Error string }
		_ = json.Unmarshal(data, &m)
		msg := m.Message + m.Error
		if msg == "" {
			msg = strings.TrimSpace(string(data))
		}
		return &apiError{Method: method, Path: path, Status: resp.StatusCode, Message: msg}
	}
	if raw, ok := out.(*[]byte); ok { // a file (a stored recording), as it is
		*raw = data
		return nil
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%w: %s %s: %w", ErrResponse, method, path, err)
		}
	}
	return nil
}

// classify gives an ARI error the pbx sentinel that says what went wrong,
// read from ARI's status and message ("Channel not found", "Provided
// variable was not found", "Channel with given unique ID already exists").
func classify(err error) error {
	var ae *apiError
	if !errors.As(err, &ae) {
		return err
	}
	msg := strings.ToLower(ae.Message)
	var sentinel error
	switch {
	case ae.Status == http.StatusConflict && strings.Contains(msg, "exists"):
		sentinel = pbx.ErrDuplicateID
	case ae.Status >= 500:
		return err
	case strings.Contains(msg, "variable"):
		sentinel = pbx.ErrNoVariable
	case strings.Contains(msg, "playback"):
		sentinel = pbx.ErrNoPlayback
	case strings.Contains(msg, "recording"):
		sentinel = pbx.ErrNoRecording
	case strings.Contains(msg, "bridge"):
		sentinel = pbx.ErrNoBridge
	case strings.Contains(msg, "channel"):
		sentinel = pbx.ErrNoChannel
	case ae.Status == http.StatusBadRequest:
		sentinel = pbx.ErrBadRequest
	default:
		return err
	}
	return fmt.Errorf("%w: %w", sentinel, err)
}

func seg(id string) string { return url.PathEscape(id) }
