package config

// Event types an [eventlistener:x] may subscribe to, as supervisor's
// events.py names them (EventTypes). An abstract type stands for every
// concrete type under it: EVENT for all, PROCESS_STATE for the eight
// process states, and so on, as supervisord matches with isinstance.

// EventTypes are the concrete event types, in supervisor's order.
var EventTypes = []string{
	"PROCESS_STATE_STOPPED", "PROCESS_STATE_EXITED", "PROCESS_STATE_STARTING",
	"PROCESS_STATE_STOPPING", "PROCESS_STATE_BACKOFF", "PROCESS_STATE_FATAL",
	"PROCESS_STATE_RUNNING", "PROCESS_STATE_UNKNOWN",
	"PROCESS_COMMUNICATION_STDOUT", "PROCESS_COMMUNICATION_STDERR",
	"PROCESS_LOG_STDOUT", "PROCESS_LOG_STDERR",
	"REMOTE_COMMUNICATION",
	"SUPERVISOR_STATE_CHANGE_RUNNING", "SUPERVISOR_STATE_CHANGE_STOPPING",
	"TICK_5", "TICK_60", "TICK_3600",
	"PROCESS_GROUP_ADDED", "PROCESS_GROUP_REMOVED",
}

// abstractPrefix is the prefix of the concrete types of an abstract type
// ("" for EVENT: all of them); ok is false for a type that is not
// abstract. A switch: a map's initialization cost the binary more.
func abstractPrefix(name string) (prefix string, ok bool) {
	switch name {
	case "EVENT":
		return "", true
	case "PROCESS_STATE", "PROCESS_COMMUNICATION", "PROCESS_LOG", "SUPERVISOR_STATE_CHANGE", "TICK", "PROCESS_GROUP":
		return name + "_", true
	}
	return "", false
}

// neverSent are the concrete types gosinit never sends: it has no RPC
// interface (REMOTE_COMMUNICATION) and no capture mode
// (PROCESS_COMMUNICATION).
var neverSent = keySet("PROCESS_COMMUNICATION_STDOUT PROCESS_COMMUNICATION_STDERR " +
	"REMOTE_COMMUNICATION")

// ConcreteEvents returns the concrete types that name stands for (itself
// when it is concrete), or nil when supervisor has no such type.
// Not inlined: 2.2 kB of the binary (issue 2).
//
//go:noinline
func ConcreteEvents(name string) []string {
	if prefix, ok := abstractPrefix(name); ok {
		var out []string
		for _, t := range EventTypes {
			if len(t) >= len(prefix) && t[:len(prefix)] == prefix {
				out = append(out, t)
			}
		}
		return out
	}
	for _, t := range EventTypes {
		if t == name {
			return []string{t}
		}
	}
	return nil
}

// DefaultResultHandler is the result_handler supervisord uses when none
// is set: a result of OK accepts the event, anything else rejects it.
const DefaultResultHandler = "supervisor.dispatchers:default_handler"
