// Resolves the names given as arguments with Go's own resolver, which reads
// /etc/resolv.conf and asks the nameserver over UDP, and prints what it got.
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	for _, name := range os.Args[1:] {
		addresses, err := net.LookupHost(name)
		if err != nil {
			fmt.Printf("%s: error\n", name)
			continue
		}
		fmt.Printf("%s: %v\n", name, addresses)
	}
}
