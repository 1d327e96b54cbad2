// go-probe: what the Go runtime this program is built with does with vgetrandom states.
//
//	go-probe THREADS together|one-at-a-time
//
// The main goroutine (locked to the main thread) reads from crypto/rand, then THREADS
// goroutines, each locked to an OS thread of its own, read once and block until the end.
// After each step it prints the same lines as glibc-probe: every MAP_DROPPABLE mapping and
// the offsets of its nonzero 16-byte granules (a state the vDSO has used is never all zero).
package main

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"unsafe"
)

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
		named := strings.Contains(name, "getrandom")
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
	}
	fmt.Print(out.String())
}

func main() {
	if len(os.Args) != 3 || (os.Args[2] != "together" && os.Args[2] != "one-at-a-time") {
		fmt.Fprintln(os.Stderr, "usage: go-probe THREADS together|one-at-a-time")
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
