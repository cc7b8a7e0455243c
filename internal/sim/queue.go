package sim

import (
	"container/heap"
	"time"
)

// event is one thing that happens at a virtual time; seq breaks ties in
// the order events were scheduled, so a run is a pure function of its seed.
type event struct {
	at  time.Duration
	seq uint64
	fn  func()
}

type queue []event

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// clock is the virtual clock and its event queue.
type clock struct {
	now    time.Duration
	seq    uint64
	q      queue
	events uint64
}

func (c *clock) after(d time.Duration, fn func()) {
	c.seq++
	heap.Push(&c.q, event{at: c.now + d, seq: c.seq, fn: fn})
}

// run processes events until the queue is empty or the time passes end.
func (c *clock) run(end time.Duration) {
	for c.q.Len() > 0 && c.q[0].at <= end {
		e := heap.Pop(&c.q).(event)
		c.now = e.at
		c.events++
		e.fn()
	}
	if c.now < end {
		c.now = end
	}
}
