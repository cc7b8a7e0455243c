// Package model is a native Go model of the flight ticket's service module
// (../service.js) behind the token core's Script interface: init, apply,
// the longDelay trigger, failed and the status query, with the module's
// semantics field for field. The simulator runs it instead of the sandbox
// (which is tested on its own), and a test in package token checks that
// both reach the same state roots on the same events.
package model

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/smartlayer/smartlayer/token"
)

// Script is the flight ticket's module, natively.
type Script struct{}

var _ token.Script = Script{}

// HasFailed: the module has a failed handler.
func (Script) HasFailed() bool { return true }

// HasTrigger: the module has one trigger, longDelay.
func (Script) HasTrigger(name string) bool { return name == "longDelay" }

type obj = map[string]json.RawMessage

// Run runs one function of the module.
func (Script) Run(_ context.Context, c token.Call) (*token.Result, error) {
	switch c.Kind {
	case token.KindInit:
		st, err := initState(c.Args)
		return &token.Result{State: st}, err
	case token.KindApply:
		st, err := apply(c.State, c.Args)
		return &token.Result{State: st, Output: st}, err
	case token.KindFailure:
		st, err := failed(c.State, c.Args)
		return &token.Result{State: st, Output: st}, err
	case token.KindTrigger:
		if c.Name != "longDelay" {
			return nil, fmt.Errorf("model: no trigger %q", c.Name)
		}
		ok, err := longDelay(c.State, c.Args)
		out := json.RawMessage("false")
		if ok {
			out = json.RawMessage("true")
		}
		return &token.Result{Output: out}, err
	}
	return nil, fmt.Errorf("model: cannot run %s", c.Kind)
}

// Status is the module's status query.
func Status(state json.RawMessage) (json.RawMessage, error) {
	st, err := decode(state)
	if err != nil {
		return nil, err
	}
	out := obj{}
	for _, k := range []string{"flight", "date", "passenger", "seat", "delayMinutes", "status", "lounge", "rebooking"} {
		if v, ok := st[k]; ok {
			out[k] = v
		}
	}
	return json.Marshal(out)
}

// Confirmed reports whether a state's rebooking is confirmed: a triggered
// rebook then skips the hotel (the module's rebook does the same).
func Confirmed(state json.RawMessage) bool {
	st, err := decode(state)
	return err == nil && bytes.Equal(st["rebooking"], str("confirmed"))
}

// Rebooked is the state the rebook action leaves after the hotel confirmed
// booking id.
func Rebooked(state json.RawMessage, booking string) (json.RawMessage, error) {
	st, err := decode(state)
	if err != nil {
		return nil, err
	}
	st["rebooking"], st["booking"] = str("confirmed"), str(booking)
	return json.Marshal(st)
}

func initState(ticket json.RawMessage) (json.RawMessage, error) {
	t, err := decode(ticket)
	if err != nil {
		return nil, err
	}
	data, _ := decode(t["data"])
	st := obj{}
	copyField(st, "flight", data, "flight")
	copyField(st, "date", data, "date")
	copyField(st, "passenger", data, "passenger")
	copyField(st, "seat", data, "seat")
	copyField(st, "holder", t, "recipient")
	copyField(st, "issuedAt", t, "time")
	st["delayMinutes"], st["status"], st["lounge"], st["rebooking"] = json.RawMessage("0"), str("scheduled"), json.RawMessage("false"), str("none")
	return json.Marshal(st)
}

func apply(state, attJSON json.RawMessage) (json.RawMessage, error) {
	st, err := decode(state)
	if err != nil {
		return nil, err
	}
	att, err := decode(attJSON)
	if err != nil {
		return nil, err
	}
	d := att
	if v, ok := att["data"]; ok && truthy(v) {
		if d, err = decode(v); err != nil {
			return state, nil
		}
	}
	if string(att["event"]) == `"Transfer"` {
		// The ticket's ERC-721 twin changed hands: its new holder.
		if !isString(d["to"]) {
			return state, nil
		}
		st["holder"] = d["to"]
		return json.Marshal(st)
	}
	if !bytes.Equal(d["flight"], st["flight"]) || !bytes.Equal(d["date"], st["date"]) || !isString(st["flight"]) || !isString(st["date"]) {
		return state, nil
	}
	key := []json.RawMessage{or(att["time"], "0"), or(att["publisher"], `""`), or(att["seq"], "0")}
	if prev, ok := st["statusKey"]; ok && truthy(prev) {
		var pk []json.RawMessage
		if json.Unmarshal(prev, &pk) == nil && !newer(key, pk) {
			return state, nil
		}
	}
	kj, _ := json.Marshal(key)
	st["delayMinutes"], st["status"], st["statusKey"] = d["delayMinutes"], d["status"], kj
	st["lounge"] = json.RawMessage(fmt.Sprint(num(d["delayMinutes"]) != nil && num(d["delayMinutes"]).Cmp(big.NewFloat(180)) >= 0))
	for k, v := range st {
		if v == nil { // undefined in JS: the key is dropped
			delete(st, k)
		}
	}
	return json.Marshal(st)
}

func longDelay(before, after json.RawMessage) (bool, error) {
	b, err := decode(before)
	if err != nil {
		return false, err
	}
	a, err := decode(after)
	if err != nil {
		return false, err
	}
	ad, bd := num(a["delayMinutes"]), num(b["delayMinutes"])
	return ad != nil && ad.Cmp(big.NewFloat(180)) >= 0 && bd != nil && bd.Cmp(big.NewFloat(180)) < 0, nil
}

func failed(state, fJSON json.RawMessage) (json.RawMessage, error) {
	st, err := decode(state)
	if err != nil {
		return nil, err
	}
	f, err := decode(fJSON)
	if err != nil {
		return nil, err
	}
	data, _ := decode(f["data"])
	if !bytes.Equal(data["action"], str("rebook")) || bytes.Equal(st["rebooking"], str("confirmed")) {
		return state, nil
	}
	st["rebooking"], st["failure"] = str("failed"), f["uid"]
	return json.Marshal(st)
}

// newer compares [time, publisher, seq] keys as the module does: numbers
// as numbers, strings as strings.
func newer(a, b []json.RawMessage) bool {
	for i := range a {
		if i >= len(b) {
			return false
		}
		if bytes.Equal(a[i], b[i]) {
			continue
		}
		if x, y := num(a[i]), num(b[i]); x != nil && y != nil {
			if c := x.Cmp(y); c != 0 {
				return c > 0
			}
			continue
		}
		var s, t string
		if json.Unmarshal(a[i], &s) == nil && json.Unmarshal(b[i], &t) == nil {
			if s != t {
				return s > t
			}
			continue
		}
		return false
	}
	return false
}

func decode(b json.RawMessage) (obj, error) {
	var o obj
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if o == nil {
		o = obj{}
	}
	return o, nil
}

func copyField(dst obj, to string, src obj, from string) {
	if v, ok := src[from]; ok {
		dst[to] = v
	}
}

func str(s string) json.RawMessage { b, _ := json.Marshal(s); return b }

func or(v json.RawMessage, def string) json.RawMessage {
	if !truthy(v) {
		return json.RawMessage(def)
	}
	return v
}

// truthy is JavaScript's truthiness of a JSON value (a missing one is
// undefined).
func truthy(v json.RawMessage) bool {
	switch s := string(bytes.TrimSpace(v)); s {
	case "", "null", "false", `""`, "0":
		return false
	}
	if n := num(v); n != nil {
		return n.Sign() != 0
	}
	return true
}

func isString(v json.RawMessage) bool { return len(v) > 0 && v[0] == '"' }

func num(v json.RawMessage) *big.Float {
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return nil
	}
	f, _, err := big.ParseFloat(string(v), 10, 128, big.ToNearestEven)
	if err != nil {
		return nil
	}
	return f
}
