package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/smartlayer/smartlayer/receipt"
	"github.com/smartlayer/smartlayer/wire"
)

// Action asks the instance's executor to run an action. key is the
// idempotency key: the client retries with it on another route when the
// executor does not answer (a failover elects another), and the network acts
// once per key. With VerifyReceipts the answer's receipt is checked.
func (c *Client) Action(ctx context.Context, instance, name, key string, args any, hdr http.Header) (*wire.ActionOutcome, *receipt.Receipt, error) {
	if key == "" {
		return nil, nil, errors.New("an action needs an idempotency key")
	}
	body, h, err := c.queryInput(args, hdr)
	if err != nil {
		return nil, nil, err
	}
	h.Set(wire.IdempotencyHeader, key)
	var last error
	for attempt := 0; attempt < 8; attempt++ {
		rt, err := c.cachedRoute(ctx, instance)
		if err != nil {
			return nil, nil, err
		}
		url, to := "", rt.Executor
		for _, r := range rt.Replicas {
			if r.Peer == rt.Executor && r.HTTP != "" {
				url = r.HTTP
			}
		}
		if rt.Mode == "full" && len(rt.Via) > 0 {
			url, to = rt.Via[int(c.next.Add(1))%len(rt.Via)], "" // full fallback: through an anchor
		}
		if url == "" {
			c.Forget(instance)
			last = fmt.Errorf("instance %s: the executor's address is unknown", instance)
		} else {
			var out wire.ActionOutcome
			rh, err := c.doHeaders(ctx, http.MethodPost, url+"/v1/tokens/"+instance+"/actions/"+name, to, h, body, &out)
			if err == nil {
				rc, rerr := c.checkReceipt(rh, rt, instance, "action:"+name, key, body, out.Result)
				if rerr != nil {
					return nil, nil, rerr
				}
				return &out, rc, nil
			}
			last = err
			switch c.afterError(instance, err) {
			case rerouted:
				continue
			case fatal:
				return nil, nil, err
			}
			c.Forget(instance)
		}
		// The executor may be down until an anchor elects another.
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 250 * time.Millisecond):
		}
	}
	return nil, nil, last
}
