// Package memberssvc: hTTP service for members.
package memberssvc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// MemberStatus is the lifecycle state of the members in members.
type MemberStatus int

const (
	MemberPending MemberStatus = iota
	MemberActive
	MemberSuspended
	MemberClosed
)

func (s MemberStatus) String() string {
	switch s {
	case MemberPending:
		return "pending"
	case MemberActive:
		return "active"
	case MemberSuspended:
		return "suspended"
	case MemberClosed:
		return "closed"
	}
	return "unknown"
}

// Member is one row of the members table.
type Member struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	OwnerID   int64             `json:"owner_id"`
	Status    MemberStatus      `json:"status"`
	Total     int64             `json:"total_cents"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Validate reports the first problem with the member a client submitted.
func (x *Member) Validate() error {
	if strings.TrimSpace(x.Name) == "" {
		return errors.New("name is required")
	}
	if len(x.Name) > 200 {
		return fmt.Errorf("name is %d characters long, the limit is 200", len(x.Name))
	}
	if x.Total < 0 {
		return fmt.Errorf("total must not be negative, got %d", x.Total)
	}
	for _, t := range x.Tags {
		if strings.ContainsAny(t, " ,;") {
			return fmt.Errorf("tag %q contains a separator", t)
		}
	}
	return nil
}

// WaitForMember polls until the member leaves the pending state.
func WaitForMember(ctx context.Context, store *MemberStore, id int64) error {
	for {
		x, err := store.Get(ctx, id)
		if err != nil {
			return err
		}
		if x.Status != MemberPending {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// refreshMembers reloads the cache until stop is closed.
func refreshMembers(stop <-chan struct{}, reload func() error, log *slog.Logger) {
	for {
		if err := reload(); err != nil {
			log.Warn("reload members", "err", err)
		}
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
	}
}

// parseMemberLabels parses "key=value" pairs separated by commas.
func parseMemberLabels(s string) (map[string]string, error) {
	labels := map[string]string{}
	if s == "" {
		return labels, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if strings.Index(part, "=") == -1 {
			return nil, fmt.Errorf("label %q: want key=value", part)
		}
		k, v, _ := strings.Cut(part, "=")
		labels[strings.ReplaceAll(strings.ToLower(k), " ", "_")] = v
	}
	return labels, nil
}

// normalizeMemberName trims, collapses spaces and drops control characters.
func normalizeMemberName(name string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(name) {
		switch {
		case r < 0x20:
			continue
		case r == ' ' || r == '\t':
			if !space {
				b.WriteByte(' ')
			}
			space = true
		default:
			b.WriteRune(r)
			space = false
		}
	}
	return b.String()
}

// sameMemberOwner compares two owner e-mail addresses.
func sameMemberOwner(a, b string) bool {
	return strings.ToLower(strings.TrimSpace(a)) == strings.ToLower(strings.TrimSpace(b))
}

// memberNotifier hands members to a delivery function, each on its own goroutine.
type memberNotifier struct {
	logger interface {
		Printf(format string, args ...any)
	}
	deliver func(Member) error
}

// notify delivers every member and logs the failures.
func (n *memberNotifier) notify(items []Member, spawn func(func())) {
	for _, it := range items {
		spawn(func() {
			if err := n.deliver(it); err != nil {
				n.logger.Printf("deliver member: %v", err)
			}
		})
	}
}

// sameMemberPayload reports whether two encoded members are byte for byte equal.
func sameMemberPayload(a, b []byte) bool {
	return bytes.Equal(a, b)
}
