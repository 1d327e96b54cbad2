// go-probe: what the Go runtime this program is built with does with vgetrandom states.
//
//	go-probe THREADS together|one-at-a-time
//	go-probe scenario EVENTS      EVENTS: '+' (a thread starts) or '-K' (thread K ends), e.g. +,+,-1,+
//
// The main goroutine (locked to the main thread) reads from crypto/rand, then THREADS
// goroutines, each locked to an OS thread of its own, read once and block until the end; or
// they start and end as EVENTS says. A goroutine that returns while locked to its thread ends
// that thread (the runtime's mexit, which gives the thread's state back first); the probe
// waits until the thread is gone from /proc/self/task before the next step. After each step
// it prints the same lines as glibc-probe: every MAP_DROPPABLE mapping, the offsets of its
// nonzero 16-byte granules (a state the vDSO has used is never all zero) and of the granules
// that changed in the step (which state a new thread's one call used).
package main

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// Every droppable page seen so far, with its bytes at the last snapshot.
var seen = map[uintptr]*[pageSize]byte{}

const pageSize = 4096

func init() { runtime.LockOSThread() }

func draw() {
	buffer := make([]byte, 16)
	if _, err := rand.Read(buffer); err != nil {
		fmt.Fprintln(os.Stderr, "go-probe:", err)
		os.Exit(1)
	}
}

func snapshot(step int) {
	file, err := os.Open("/proc/self/smaps")
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-probe:", err)
		os.Exit(1)
	}
	defer file.Close()
	var start, end uintptr
	name := ""
	scanner := bufio.NewScanner(file)
	var out strings.Builder
	for scanner.Scan() {
		line := scanner.Text()
		fields := strings.Fields(line)
		if len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			bounds := strings.SplitN(fields[0], "-", 2)
			a, errA := strconv.ParseUint(bounds[0], 16, 64)
			b, errB := strconv.ParseUint(bounds[1], 16, 64)
			if errA == nil && errB == nil {
				start, end = uintptr(a), uintptr(b)
				name = "-"
				if len(fields) >= 6 {
					name = strings.Join(fields[5:], " ")
				}
				continue
			}
		}
		if !strings.HasPrefix(line, "VmFlags:") {
			continue
		}
		droppable := strings.Contains(line, " dp")
		named := strings.Contains(name, "[anon:") && strings.Contains(name, "getrandom")
		if !droppable && !named {
			continue
		}
		kind := "named"
		if droppable {
			kind = "dp"
		}
		fmt.Fprintf(&out, "step %d vma %x %x %s %s\n", step, start, end, kind, name)
		if !droppable {
			continue
		}
		fmt.Fprintf(&out, "step %d used %x", step, start)
		for at := start; at < end; at += 16 {
			granule := (*[2]uint64)(unsafe.Pointer(at))
			if granule[0] != 0 || granule[1] != 0 {
				fmt.Fprintf(&out, " %d", at-start)
			}
		}
		out.WriteString("\n")
		fmt.Fprintf(&out, "step %d changed %x", step, start)
		for page := start; page < end; page += pageSize {
			before, ok := seen[page]
			if !ok {
				before = new([pageSize]byte) // a new anonymous page was all zero
				seen[page] = before
			}
			now := (*[pageSize]byte)(unsafe.Pointer(page))
			for at := uintptr(0); at < pageSize; at += 16 {
				if *(*[16]byte)(before[at : at+16]) != *(*[16]byte)(now[at : at+16]) {
					fmt.Fprintf(&out, " %d", page-start+at)
				}
			}
			*before = *now
		}
		out.WriteString("\n")
	}
	fmt.Print(out.String())
}

// scenario runs EVENTS, one step each; an ending thread is waited for until /proc no longer lists it.
func scenario(events string) {
	type thread struct {
		quit  chan struct{}
		ended bool
		tid   int
	}
	var threads []*thread
	draw()
	snapshot(0)
	for step, token := range strings.Split(events, ",") {
		if token == "+" {
			t := &thread{quit: make(chan struct{})}
			// The goroutine's own copy: it may reach its receive only after the main goroutine
			// has moved on (a loaded machine), and must still wait on this very channel.
			quit := t.quit
			started := make(chan int)
			go func() {
				runtime.LockOSThread()
				draw()
				started <- syscall.Gettid()
				<-quit
				// Returning while locked ends this thread.
			}()
			t.tid = <-started
			threads = append(threads, t)
		} else if k, err := strconv.Atoi(strings.TrimPrefix(token, "-")); err == nil && strings.HasPrefix(token, "-") && k >= 1 && k <= len(threads) && !threads[k-1].ended {
			t := threads[k-1]
			close(t.quit)
			t.ended = true
			task := fmt.Sprintf("/proc/self/task/%d", t.tid)
			for waited := 0; ; waited++ {
				if _, err := os.Stat(task); os.IsNotExist(err) {
					break
				}
				// No time limit (a loaded machine is slow, not wrong): the test's watchdog bounds a real hang.
				if waited == 10000 {
					fmt.Fprintf(os.Stderr, "go-probe: still waiting for thread %d (tid %d) to end, after 10 000 polls\n", k, t.tid)
				}
				time.Sleep(time.Millisecond)
			}
		} else {
			fmt.Fprintf(os.Stderr, "go-probe: '%s' is not an event (+ or -K for a running thread K)\n", token)
			os.Exit(2)
		}
		snapshot(step + 1)
	}
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "scenario" {
		scenario(os.Args[2])
		return
	}
	if len(os.Args) != 3 || (os.Args[2] != "together" && os.Args[2] != "one-at-a-time") {
		fmt.Fprintln(os.Stderr, "usage: go-probe THREADS together|one-at-a-time\n       go-probe scenario +,+,-1,+")
		os.Exit(2)
	}
	threads, _ := strconv.Atoi(os.Args[1])
	together := os.Args[2] == "together"
	called := make(chan struct{})
	finish := make(chan struct{})
	draw()
	snapshot(0)
	for i := 0; i < threads; i++ {
		go func() {
			runtime.LockOSThread()
			draw()
			called <- struct{}{}
			<-finish
		}()
		if !together {
			<-called
			snapshot(i + 1)
		}
	}
	if together {
		for i := 0; i < threads; i++ {
			<-called
		}
		snapshot(1)
	}
	close(finish)
}
