package redact

import (
	"context"
	"log/slog"
)

// Handler wraps a log/slog handler so that what it writes passes Redact
// first: the message, every string attribute, and the text of every error
// or other value, in groups too. A log line that quotes code (an error
// holding a rule's captures, a path) then carries no secret Redact
// recognises. Numbers, booleans, times and durations pass as they are.
func Handler(next slog.Handler) slog.Handler { return &handler{next: next} }

type handler struct{ next slog.Handler }

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	msg, _ := Redact(r.Message)
	out := slog.NewRecord(r.Time, r.Level, msg, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = redactAttr(a)
	}
	return &handler{next: h.next.WithAttrs(red)}
}

func (h *handler) WithGroup(name string) slog.Handler { return &handler{next: h.next.WithGroup(name)} }

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		s, _ := Redact(v.String())
		return slog.String(a.Key, s)
	case slog.KindGroup:
		g := v.Group()
		red := make([]any, len(g))
		for i, x := range g {
			red[i] = redactAttr(x)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		s, _ := Redact(v.String()) // an error, a struct: its text
		return slog.String(a.Key, s)
	}
	return slog.Attr{Key: a.Key, Value: v}
}
