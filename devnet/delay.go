package devnet

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"time"
)

// delayProxy fronts a service node's HTTP API with a delay that can be set
// while the devnet runs (Options.Delayable, Devnet.SetHTTPDelay): a replica
// made slow, as a loaded or distant host would be, for the load-following
// tests and `smartlayer bench query --slow`. The node advertises the
// proxy's address (http.public_url).
type delayProxy struct {
	url    string
	srv    *http.Server
	target atomic.Pointer[url.URL]
	delay  atomic.Int64 // nanoseconds
}

func newDelayProxy() (*delayProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &delayProxy{url: "http://" + ln.Addr().String()}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			if t := p.target.Load(); t != nil {
				r.SetURL(t)
				r.Out.Host = r.In.Host
			}
		},
		Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute},
	}
	p.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d := time.Duration(p.delay.Load()); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

func (p *delayProxy) setTarget(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	p.target.Store(u)
	return nil
}

// SetHTTPDelay delays every HTTP request to service node i by delay (0:
// none). It needs Options.Delayable (in-process nodes).
func (d *Devnet) SetHTTPDelay(i int, delay time.Duration) error {
	if !d.opts.Delayable || d.opts.Procs {
		return errors.New("devnet: HTTP delays need Options.Delayable, in-process nodes")
	}
	if i < 0 || i >= len(d.delays) || d.delays[i] == nil {
		return fmt.Errorf("devnet: no service node %d", i)
	}
	d.delays[i].delay.Store(int64(delay))
	return nil
}
