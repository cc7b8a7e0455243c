package devnet

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/smartlayer/smartlayer/attest"
	"github.com/smartlayer/smartlayer/tokenscript"
)

// relaySchema is the EAS schema of a relay token: a label.
const relaySchema = "string label"

// relayModule's hop query asks the first instance of args.path for its
// own hop over the rest of the path, so a path that comes back to an
// instance is a call cycle, and a long one a deep chain.
const relayModule = `module.exports = {
  init(a) { return {label: a.data.label}; },
  queries: {
    hop(state, args, ctx) {
      var path = (args && args.path) || [];
      if (path.length === 0) return {labels: [state.label]};
      var r = ctx.tokens.query(path[0], "hop", {path: path.slice(1)});
      return {labels: [state.label].concat(r.labels)};
    },
  },
};
`

const relayXML = `<?xml version="1.0" encoding="UTF-8"?>
<ts:token xmlns:ts="http://tokenscript.org/2024/01/tokenscript"
          xmlns:sl="urn:smartlayer:service:2026"
          name="Relay">
  <ts:label><ts:string xml:lang="en">Relay</ts:string></ts:label>
  <ts:attestation name="Relay" type="eas">
    <ts:meta>
      <ts:name>Relay</ts:name>
      <ts:attributeField name="data.label">Label</ts:attributeField>
    </ts:meta>
    <ts:key>ISSUER</ts:key>
    <ts:idFields>uid</ts:idFields>
    <ts:eas schemaUID="SCHEMA"/>
  </ts:attestation>
  <ts:origins><ts:attestation name="Relay"/></ts:origins>
  <sl:service>
    <sl:module src="service.js"/>
    <sl:sla replicas="2" memory="16MiB" time="500ms"/>
    <sl:instances kind="attestation" origin="Relay" schema="string label"/>
    <sl:query name="hop"/>
  </sl:service>
</ts:token>
`

// checkCallCycles: relay tokens that call each other through real nodes.
// A path through other instances is answered hop by hop; one that comes
// back to an instance on its chain is refused by that instance's node
// (508 call-loop), and so is a chain of wire.MaxCallDepth calls, through
// distinct instances; either way the first caller gets an error, not an
// answer, and the nodes count the refusal.
func checkCallCycles(t *testing.T, d *Devnet) {
	ctx := context.Background()
	issuer, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	domain := attest.NetworkDomain(d.Info.ChainID, common.HexToAddress(d.Info.EASContract))
	sch, err := attest.ParseSchema(relaySchema)
	if err != nil {
		t.Fatal(err)
	}
	xml := strings.NewReplacer("ISSUER", hex.EncodeToString(crypto.FromECDSAPub(&issuer.PublicKey)),
		"SCHEMA", sch.UID(common.Address{}, true).String()).Replace(relayXML)
	b := &tokenscript.Bundle{Files: map[string][]byte{"relay.xml": []byte(xml), "service.js": []byte(relayModule)}}
	if err := b.SignIssuer(issuer, domain, time.Now()); err != nil {
		t.Fatal(err)
	}
	pb, err := d.Client.PublishBundle(ctx, b.Files, b.Issuer)
	if err != nil {
		t.Fatalf("publish the relay bundle: %v", err)
	}
	var ids []string
	for i, label := range []string{"a", "b", "c", "d", "e"} {
		data, err := sch.Encode(map[string]any{"label": label})
		if err != nil {
			t.Fatal(err)
		}
		s, err := attest.Sign(issuer, domain, attest.Message{Version: attest.Version2, Schema: sch.UID(common.Address{}, true),
			Recipient: crypto.PubkeyToAddress(issuer.PublicKey), Time: uint64(time.Now().Unix()), Revocable: true, Data: data,
			Salt: crypto.Keccak256Hash([]byte{byte(i)})})
		if err != nil {
			t.Fatal(err)
		}
		aj, _ := json.Marshal(s)
		if _, err := d.Client.Register(ctx, pb.Bundle, aj); err != nil {
			t.Fatalf("register relay %s: %v", label, err)
		}
		ids = append(ids, s.UID.String())
	}
	a, bb, c, dd, e := ids[0], ids[1], ids[2], ids[3], ids[4]
	hop := func(from string, path ...string) ([]string, error) {
		out, err := d.Client.Query(ctx, from, "hop", map[string]any{"path": path})
		if err != nil {
			return nil, err
		}
		var v struct{ Labels []string }
		if err := json.Unmarshal(out, &v); err != nil {
			return nil, err
		}
		return v.Labels, nil
	}
	// Through three distinct instances: answered, hop by hop (once every
	// relay is placed and routable).
	waitUntil(t, 60*time.Second, "a relay path through three instances", func() bool {
		got, err := hop(a, bb, c)
		if err != nil {
			t.Logf("a -> b -> c: %v", err)
		}
		return err == nil && strings.Join(got, ",") == "a,b,c"
	})
	loops := func() float64 {
		var n float64
		for _, s := range d.Info.Services {
			n += metricValue(t, s.HTTP, `smartlayer_queries_total{result="call-loop"}`)
		}
		return n
	}
	before := loops()
	// A cycle: a -> b -> a is refused by a's node when b calls it.
	if got, err := hop(a, bb, a); err == nil || !strings.Contains(err.Error(), "call-loop") {
		t.Fatalf("a -> b -> a answered %v, %v; want the cycle refused (call-loop)", got, err)
	}
	// Four calls deep through distinct instances: a -> b -> c -> d -> e,
	// refused at e (the chain a, b, c, d is wire.MaxCallDepth long).
	if got, err := hop(a, bb, c, dd, e); err == nil || !strings.Contains(err.Error(), "call-loop") {
		t.Fatalf("a -> b -> c -> d -> e answered %v, %v; want the chain cut at the depth bound (call-loop)", got, err)
	}
	// One short of the bound is answered.
	if got, err := hop(a, bb, c, dd); err != nil || strings.Join(got, ",") != "a,b,c,d" {
		t.Fatalf("a -> b -> c -> d: %v, %v", got, err)
	}
	if after := loops(); after < before+2 {
		t.Fatalf("nodes counted %v call loops refused, want at least 2 more than %v", after, before)
	}
}
