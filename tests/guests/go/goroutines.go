// Goroutines under Pith: 1,000 goroutines with a WaitGroup and a channel, time.Sleep,
// and a tight loop with no function calls that only ends if the runtime can preempt it
// (Go preempts with SIGURG, so this needs signal delivery on timer interrupts).
package main

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	var wg sync.WaitGroup
	results := make(chan int, 1000)
	for i := 0; i < 1000; i++ {
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			time.Sleep(time.Millisecond)
			results <- n
		}(i)
	}
	wg.Wait()
	close(results)
	sum := 0
	for n := range results {
		sum += n
	}
	fmt.Println("sum of 1000 goroutines:", sum)

	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	fmt.Println("slept at least 20 ms:", time.Since(start) >= 20*time.Millisecond)

	// With one P, the spinning goroutine holds the only processor: main runs again only if
	// the runtime preempts it.
	runtime.GOMAXPROCS(1)
	var stop atomic.Bool
	done := make(chan bool)
	go func() {
		x := 0
		for !stop.Load() {
			x++
		}
		done <- x > 0
	}()
	time.Sleep(10 * time.Millisecond)
	stop.Store(true)
	fmt.Println("tight loop preempted:", <-done)
}
