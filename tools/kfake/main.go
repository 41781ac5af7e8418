// kfake-cluster: franz-go's kfake (an independent Kafka implementation in Go that checks
// idempotent and transactional sequences as Kafka does) as a standalone process, steered by tests
// over the same kind of line protocol as tools/mock/mock-cluster.c.
//
// Built by tools/broker/kfake.mjs (go build, cached). Only this file is ours; kfake itself comes
// from the Go module proxy (go.mod pins it, and franz-go v1.22.x).
//
// Usage: kfake-cluster [--brokers N] [--control-port P] [--state DIR] [--exit-on-stdin-eof] [--log LEVEL]
// On start it prints one line to stdout, then only logs (to stderr):
//
//	READY bootstrap=127.0.0.1:p1,127.0.0.1:p2 control=PORT brokers=N
//
// Node ids are kfake's: 0..N-1. Control protocol: one command a line, one reply line each,
// "OK [value]" or "ERR <message>". Error codes are numbers or Kafka names (NOT_LEADER_FOR_PARTITION,
// NOT_LEADER_OR_FOLLOWER, ...); -195 (TRANSPORT, librdkafka's name) means "close the connection".
//
//	PING | BOOTSTRAP | BROKERS                       -> OK [value]
//	CREATE_TOPIC <topic> <partitions> [<rf>]         rf is ignored (kfake keeps one copy)
//	PUSH_ERRORS <apiKey> <err> [<err>...]            next requests of apiKey (any broker) answered
//	                                                 with err before the broker acts on them (nothing
//	                                                 appended); TRANSPORT closes the connection instead
//	FAIL <apiKey> <count> <err>                      same, count times
//	BROKER_PUSH_ERRORS <broker> <apiKey> <err>:<ms> [...]  per broker (checked first), each request
//	                                                 held ms before it is handled; err 0 = handled normally
//	CLEAR_ERRORS <apiKey>                            drop everything queued for apiKey (errors, AFTER_APPEND, DELAY)
//	ERROR_COUNT <broker|-1> <apiKey>                 -> OK <pushed errors left (per broker, or cluster-wide)>
//	AFTER_APPEND <broker|-1> <count> <err>           the next count Produce requests are appended, then
//	                                                 every partition that succeeded is answered with err
//	                                                 (offset -1); TRANSPORT closes the connection instead
//	                                                 of answering (the answer to an appended request is lost)
//	DELAY <broker|-1> <apiKey> <count> <ms>          the next count answers of apiKey are written ms late
//	                                                 (the request was handled, e.g. appended, at once)
//	RTT <broker|-1> <ms>                             delay every answer of the broker
//	TOPIC_ERROR <topic> <err>                        Metadata answers err for the topic (0 clears)
//	DISCONNECT <broker|-1>                           close its current connections
//	BROKER_DOWN <broker|-1> | BROKER_UP <broker|-1>  close connections and drop new ones at once / stop
//	LEADER <topic> <partition> <broker>              move a partition leader (leader epoch + 1)
//	LEADER_OF <topic> <partition>                    -> OK <broker>
//	SHUFFLE_LEADERS                                  every partition gets a random leader (epochs + 1)
//	SHUTDOWN                                         -> OK, then the process exits
//
// Errors and holds before handling use kfake's Fault and ControlKey/SleepControl; what happens
// after handling (late answers, rewritten answers, dropped connections) is done by a wrapper around
// each accepted connection (kfake's ListenFn option): kfake writes each answer with one Write.
package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const transport = -195

type pushed struct {
	code int16
	hold time.Duration
}

// after is one thing to do to an answer: hold it, rewrite its error codes (Produce), or drop it.
type after struct {
	delay time.Duration
	code  int16 // Produce only; transport drops the connection
}

type state struct {
	mu       sync.Mutex
	c        *kfake.Cluster
	errs     map[int16][]pushed            // cluster-wide, before handling
	brokErrs map[[2]int32][]pushed         // (broker, apiKey)
	afters   map[[2]int32][]after          // (broker or -1, apiKey)
	rtt      map[int32]time.Duration       // per broker
	down     map[int32]bool                // per broker
	conns    map[int32]map[*wconn]struct{} // live connections per broker
	nodes    map[net.Addr]int32            // listener address -> node
	hooked   map[int16]bool
	handles  []*kfake.FaultHandle // faults installed for one request each
	lns      []net.Listener
}

var st = &state{
	errs: map[int16][]pushed{}, brokErrs: map[[2]int32][]pushed{}, afters: map[[2]int32][]after{},
	rtt: map[int32]time.Duration{}, down: map[int32]bool{}, conns: map[int32]map[*wconn]struct{}{},
	nodes: map[net.Addr]int32{}, hooked: map[int16]bool{},
}

// hook installs (once per apiKey) the control that answers pushed errors.
func (s *state) hook(key int16) {
	if s.hooked[key] {
		return
	}
	s.hooked[key] = true
	s.c.ControlKey(key, func(req kmsg.Request) (kmsg.Response, error, bool) {
		s.c.KeepControl()
		node := s.c.CurrentNode()
		s.mu.Lock()
		// The request each earlier fault was made for has been handled (kfake handles one request
		// at a time): drop any that did not fire, so none can match a later request.
		for _, h := range s.handles {
			h.Remove()
		}
		s.handles = nil
		var p pushed
		var ok bool
		if q := s.brokErrs[[2]int32{node, int32(key)}]; len(q) > 0 {
			p, ok, s.brokErrs[[2]int32{node, int32(key)}] = q[0], true, q[1:]
		} else if q := s.errs[key]; len(q) > 0 {
			p, ok, s.errs[key] = q[0], true, q[1:]
		}
		s.mu.Unlock()
		if !ok {
			return nil, nil, false
		}
		if p.hold > 0 {
			s.c.SleepControl(func() { time.Sleep(p.hold) })
		}
		switch p.code {
		case 0:
			return nil, nil, false
		case transport:
			return nil, errors.New("injected: connection closed"), true
		}
		// Answered by kfake itself with this error for every entity of exactly this request.
		h := s.c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Key(key)}, Err: errFor(p.code), When: func(r kmsg.Request) bool { return r == req }})
		s.mu.Lock()
		s.handles = append(s.handles, h)
		s.mu.Unlock()
		return nil, nil, false
	})
}

func errFor(code int16) *kerr.Error {
	if e := kerr.TypedErrorForCode(code); e != nil {
		return e
	}
	return kerr.UnknownServerError
}

func parseErr(s string) (int16, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return int16(n), nil
	}
	name := strings.TrimPrefix(strings.ToUpper(s), "RD_KAFKA_RESP_ERR_")
	switch strings.TrimPrefix(name, "_") {
	case "TRANSPORT":
		return transport, nil
	case "NOT_LEADER_OR_FOLLOWER":
		return 6, nil
	}
	for code := int16(-1); code < 200; code++ {
		if e := kerr.TypedErrorForCode(code); e != nil && code != -1 && e.Message == name {
			return code, nil
		}
	}
	return 0, fmt.Errorf("unknown error code: %s", s)
}

// ---------------------------------------------------------------------------------------------
// Connections: kfake reads a request as size + body and writes each answer with one Write.

type listener struct {
	net.Listener
	node int32
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		st.mu.Lock()
		down := st.down[l.node]
		w := &wconn{Conn: c, node: l.node, apis: map[int32][2]int16{}, closed: make(chan struct{})}
		if !down {
			if st.conns[l.node] == nil {
				st.conns[l.node] = map[*wconn]struct{}{}
			}
			st.conns[l.node][w] = struct{}{}
		}
		st.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		return w, nil
	}
}

type wconn struct {
	net.Conn
	node    int32
	mu      sync.Mutex
	apis    map[int32][2]int16 // correlation id -> api key, version
	pending []byte
	once    sync.Once
	closed  chan struct{}
}

// Read hands kfake whole frames, noting each request's api key and version by correlation id.
func (w *wconn) Read(p []byte) (int, error) {
	if len(w.pending) == 0 {
		var size [4]byte
		if _, err := io.ReadFull(w.Conn, size[:]); err != nil {
			return 0, err
		}
		frame := make([]byte, 4+binary.BigEndian.Uint32(size[:]))
		copy(frame, size[:])
		if _, err := io.ReadFull(w.Conn, frame[4:]); err != nil {
			return 0, err
		}
		if len(frame) >= 12 {
			w.mu.Lock()
			w.apis[int32(binary.BigEndian.Uint32(frame[8:12]))] = [2]int16{int16(binary.BigEndian.Uint16(frame[4:6])), int16(binary.BigEndian.Uint16(frame[6:8]))}
			w.mu.Unlock()
		}
		w.pending = frame
	}
	n := copy(p, w.pending)
	w.pending = w.pending[n:]
	return n, nil
}

func (w *wconn) Write(b []byte) (int, error) {
	if len(b) < 8 {
		return w.Conn.Write(b)
	}
	corr := int32(binary.BigEndian.Uint32(b[4:8]))
	w.mu.Lock()
	api, known := w.apis[corr]
	delete(w.apis, corr)
	w.mu.Unlock()
	var a after
	var have bool
	st.mu.Lock()
	delay := st.rtt[w.node]
	if known {
		for _, k := range [][2]int32{{w.node, int32(api[0])}, {-1, int32(api[0])}} {
			if q := st.afters[k]; len(q) > 0 {
				a, have, st.afters[k] = q[0], true, q[1:]
				break
			}
		}
	}
	st.mu.Unlock()
	if have {
		delay += a.delay
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-w.closed:
			return 0, net.ErrClosed
		}
	}
	if have && a.code == transport {
		w.Close()
		return 0, errors.New("injected: answer dropped")
	}
	if have && a.code != 0 && api[0] == int16(kmsg.Produce) {
		if out, err := rewriteProduce(b, api[1], a.code); err == nil {
			b = out
		} else {
			fmt.Fprintf(os.Stderr, "kfake-cluster: cannot rewrite a Produce answer: %v\n", err)
		}
	}
	n, err := w.Conn.Write(b)
	if n > len(b) {
		n = len(b)
	}
	return n, err
}

func (w *wconn) Close() error {
	w.once.Do(func() {
		close(w.closed)
		st.mu.Lock()
		delete(st.conns[w.node], w)
		st.mu.Unlock()
	})
	return w.Conn.Close()
}

// rewriteProduce sets code on every partition kfake answered without error.
func rewriteProduce(frame []byte, version, code int16) ([]byte, error) {
	resp := kmsg.NewPtrProduceResponse()
	resp.Version = version
	head := 8
	if resp.IsFlexible() {
		head = 9 // empty tagged fields of the response header
	}
	if err := resp.ReadFrom(frame[head:]); err != nil {
		return nil, err
	}
	for i := range resp.Topics {
		for j := range resp.Topics[i].Partitions {
			p := &resp.Topics[i].Partitions[j]
			if p.ErrorCode == 0 {
				p.ErrorCode, p.BaseOffset, p.LogAppendTime, p.LogStartOffset = code, -1, -1, -1
				p.CurrentLeader.LeaderID, p.CurrentLeader.LeaderEpoch = -1, -1
			}
		}
	}
	out := resp.AppendTo(append([]byte(nil), frame[:head]...))
	binary.BigEndian.PutUint32(out[:4], uint32(len(out)-4))
	return out, nil
}

// ---------------------------------------------------------------------------------------------
// Commands

func brokersOf(arg int32) []int32 {
	if arg >= 0 {
		return []int32{arg}
	}
	var all []int32
	for i := range st.lns {
		all = append(all, int32(i))
	}
	return all
}

func closeConns(node int32) {
	st.mu.Lock()
	var cs []*wconn
	for w := range st.conns[node] {
		cs = append(cs, w)
	}
	st.mu.Unlock()
	for _, w := range cs {
		w.Close()
	}
}

func command(words []string) (string, error) {
	args := words[1:]
	ints := func(n int) ([]int, error) {
		out := make([]int, 0, n)
		if len(args) < n {
			return nil, fmt.Errorf("%s takes %d argument(s)", words[0], n)
		}
		for _, a := range args[:n] {
			v, err := strconv.Atoi(a)
			if err != nil {
				return nil, fmt.Errorf("not a number: %s", a)
			}
			out = append(out, v)
		}
		return out, nil
	}
	c := st.c
	switch strings.ToUpper(words[0]) {
	case "PING":
		return "", nil
	case "BOOTSTRAP":
		return strings.Join(c.ListenAddrs(), ","), nil
	case "BROKERS":
		var ids []string
		for _, b := range brokersOf(-1) {
			ids = append(ids, strconv.Itoa(int(b)))
		}
		return strings.Join(ids, ","), nil
	case "CREATE_TOPIC":
		if len(args) < 2 {
			return "", errors.New("CREATE_TOPIC <topic> <partitions> [<rf>]")
		}
		n, err := strconv.Atoi(args[1])
		if err != nil {
			return "", err
		}
		return "", c.CreateTopic(args[0], int32(n), nil)
	case "PUSH_ERRORS", "FAIL":
		if len(args) < 2 {
			return "", errors.New("PUSH_ERRORS <apiKey> <err>... | FAIL <apiKey> <count> <err>")
		}
		key, err := strconv.Atoi(args[0])
		if err != nil {
			return "", err
		}
		var list []pushed
		if strings.EqualFold(words[0], "FAIL") {
			v, err := ints(2)
			if err != nil || len(args) != 3 {
				return "", errors.New("FAIL <apiKey> <count> <err>")
			}
			code, err := parseErr(args[2])
			if err != nil {
				return "", err
			}
			for i := 0; i < v[1]; i++ {
				list = append(list, pushed{code: code})
			}
		} else {
			for _, a := range args[1:] {
				code, err := parseErr(a)
				if err != nil {
					return "", err
				}
				list = append(list, pushed{code: code})
			}
		}
		st.mu.Lock()
		st.errs[int16(key)] = append(st.errs[int16(key)], list...)
		st.mu.Unlock()
		st.hook(int16(key))
		return "", nil
	case "BROKER_PUSH_ERRORS":
		v, err := ints(2)
		if err != nil || len(args) < 3 {
			return "", errors.New("BROKER_PUSH_ERRORS <broker> <apiKey> <err>:<ms>...")
		}
		var list []pushed
		for _, a := range args[2:] {
			e, ms, _ := strings.Cut(a, ":")
			code, err := parseErr(e)
			if err != nil {
				return "", err
			}
			d := 0
			if ms != "" {
				if d, err = strconv.Atoi(ms); err != nil {
					return "", fmt.Errorf("bad ms in %s", a)
				}
			}
			list = append(list, pushed{code: code, hold: time.Duration(d) * time.Millisecond})
		}
		k := [2]int32{int32(v[0]), int32(v[1])}
		st.mu.Lock()
		st.brokErrs[k] = append(st.brokErrs[k], list...)
		st.mu.Unlock()
		st.hook(int16(v[1]))
		return "", nil
	case "CLEAR_ERRORS":
		v, err := ints(1)
		if err != nil {
			return "", err
		}
		st.mu.Lock()
		delete(st.errs, int16(v[0]))
		for k := range st.brokErrs {
			if k[1] == int32(v[0]) {
				delete(st.brokErrs, k)
			}
		}
		for k := range st.afters {
			if k[1] == int32(v[0]) {
				delete(st.afters, k)
			}
		}
		st.mu.Unlock()
		return "", nil
	case "ERROR_COUNT":
		v, err := ints(2)
		if err != nil {
			return "", err
		}
		st.mu.Lock()
		defer st.mu.Unlock()
		if v[0] < 0 {
			return strconv.Itoa(len(st.errs[int16(v[1])])), nil
		}
		return strconv.Itoa(len(st.brokErrs[[2]int32{int32(v[0]), int32(v[1])}])), nil
	case "AFTER_APPEND", "DELAY":
		var k [2]int32
		var n int
		var a after
		if strings.EqualFold(words[0], "AFTER_APPEND") {
			v, err := ints(2)
			if err != nil || len(args) != 3 {
				return "", errors.New("AFTER_APPEND <broker|-1> <count> <err>")
			}
			if a.code, err = parseErr(args[2]); err != nil {
				return "", err
			}
			k, n = [2]int32{int32(v[0]), int32(kmsg.Produce)}, v[1]
		} else {
			v, err := ints(4)
			if err != nil {
				return "", errors.New("DELAY <broker|-1> <apiKey> <count> <ms>")
			}
			k, n, a.delay = [2]int32{int32(v[0]), int32(v[1])}, v[2], time.Duration(v[3])*time.Millisecond
		}
		st.mu.Lock()
		for i := 0; i < n; i++ {
			st.afters[k] = append(st.afters[k], a)
		}
		st.mu.Unlock()
		return "", nil
	case "RTT":
		v, err := ints(2)
		if err != nil {
			return "", err
		}
		st.mu.Lock()
		for _, b := range brokersOf(int32(v[0])) {
			st.rtt[b] = time.Duration(v[1]) * time.Millisecond
		}
		st.mu.Unlock()
		return "", nil
	case "TOPIC_ERROR":
		if len(args) != 2 {
			return "", errors.New("TOPIC_ERROR <topic> <err>")
		}
		code, err := parseErr(args[1])
		if err != nil {
			return "", err
		}
		topicFaults.Lock()
		defer topicFaults.Unlock()
		if h := topicFaults.m[args[0]]; h != nil {
			h.Remove()
			delete(topicFaults.m, args[0])
		}
		if code != 0 {
			topicFaults.m[args[0]] = c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Metadata}, Topic: args[0], Err: errFor(code), Count: -1})
		}
		return "", nil
	case "DISCONNECT", "BROKER_DOWN", "BROKER_UP":
		v, err := ints(1)
		if err != nil {
			return "", err
		}
		for _, b := range brokersOf(int32(v[0])) {
			st.mu.Lock()
			switch strings.ToUpper(words[0]) {
			case "BROKER_DOWN":
				st.down[b] = true
			case "BROKER_UP":
				st.down[b] = false
			}
			st.mu.Unlock()
			if !strings.EqualFold(words[0], "BROKER_UP") {
				closeConns(b)
			}
		}
		return "", nil
	case "LEADER":
		if len(args) != 3 {
			return "", errors.New("LEADER <topic> <partition> <broker>")
		}
		args = args[1:]
		v, err := ints(2)
		if err != nil {
			return "", err
		}
		return "", c.MoveTopicPartition(words[1], int32(v[0]), int32(v[1]))
	case "LEADER_OF":
		if len(args) != 2 {
			return "", errors.New("LEADER_OF <topic> <partition>")
		}
		p, err := strconv.Atoi(args[1])
		if err != nil {
			return "", err
		}
		return strconv.Itoa(int(c.LeaderFor(args[0], int32(p)))), nil
	case "SHUFFLE_LEADERS":
		c.ShufflePartitionLeaders()
		return "", nil
	case "SHUTDOWN":
		go func() { time.Sleep(50 * time.Millisecond); stop <- struct{}{} }()
		return "", nil
	}
	return "", fmt.Errorf("unknown command %s", words[0])
}

var topicFaults = struct {
	sync.Mutex
	m map[string]*kfake.FaultHandle
}{m: map[string]*kfake.FaultHandle{}}

var stop = make(chan struct{}, 4)

func serve(conn net.Conn) {
	defer conn.Close()
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		words := strings.Fields(sc.Text())
		reply := "ERR empty command"
		if len(words) > 0 {
			if v, err := command(words); err != nil {
				reply = "ERR " + strings.ReplaceAll(err.Error(), "\n", " ")
			} else if v != "" {
				reply = "OK " + v
			} else {
				reply = "OK"
			}
		}
		if _, err := io.WriteString(conn, reply+"\n"); err != nil {
			return
		}
	}
}

func main() {
	brokers := flag.Int("brokers", 1, "number of brokers")
	controlPort := flag.Int("control-port", 0, "control port on 127.0.0.1 (0: any free port)")
	flag.String("state", "", "marks the process as ours (tools/broker checks the command line)")
	watchStdin := flag.Bool("exit-on-stdin-eof", false, "exit when stdin closes (ties the process to its parent)")
	logLevel := flag.String("log", "warn", "kfake log level: none, error, warn, info, debug")
	flag.Parse()
	if *brokers < 1 {
		fmt.Fprintln(os.Stderr, "kfake-cluster: --brokers must be >= 1")
		os.Exit(2)
	}
	level := map[string]kfake.LogLevel{"none": kfake.LogLevelNone, "error": kfake.LogLevelError, "warn": kfake.LogLevelWarn, "info": kfake.LogLevelInfo, "debug": kfake.LogLevelDebug}[*logLevel]

	listen := func(network, address string) (net.Listener, error) {
		ln, err := net.Listen(network, address)
		if err != nil {
			return nil, err
		}
		st.mu.Lock()
		defer st.mu.Unlock()
		l := &listener{Listener: ln, node: int32(len(st.lns))} // kfake creates broker i's listener i-th
		st.lns = append(st.lns, l)
		return l, nil
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(*brokers), kfake.ListenFn(listen), kfake.WithLogger(kfake.BasicLogger(os.Stderr, level)))
	if err != nil {
		fmt.Fprintf(os.Stderr, "kfake-cluster: %v\n", err)
		os.Exit(1)
	}
	st.c = c
	cl, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *controlPort))
	if err != nil {
		fmt.Fprintf(os.Stderr, "kfake-cluster: control socket: %v\n", err)
		os.Exit(1)
	}
	go func() {
		for {
			conn, err := cl.Accept()
			if err != nil {
				return
			}
			go serve(conn)
		}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sig; stop <- struct{}{} }()
	if *watchStdin {
		go func() {
			io.Copy(io.Discard, os.Stdin)
			fmt.Fprintln(os.Stderr, "kfake-cluster: stdin closed, exiting")
			stop <- struct{}{}
		}()
	}
	fmt.Printf("READY bootstrap=%s control=%d brokers=%d\n", strings.Join(c.ListenAddrs(), ","), cl.Addr().(*net.TCPAddr).Port, *brokers)
	<-stop
	cl.Close()
	c.Close()
	fmt.Fprintln(os.Stderr, "kfake-cluster: stopped")
}
