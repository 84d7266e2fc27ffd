// An HTTP server for the network tests: `httpserver PORT` serves on 0.0.0.0:PORT with
// net/http until it is stopped, and prints "listening" when a client can connect. GET
// /hello answers a fixed text; GET /lookup resolves "localhost" with Go's own resolver,
// which must find it in /etc/hosts: its DNS client is given a dialer that fails, so nothing
// is ever asked of a nameserver.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: httpserver PORT")
		os.Exit(2)
	}
	http.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		plain(w, "hello from Go\n")
	})
	http.HandleFunc("/lookup", func(w http.ResponseWriter, r *http.Request) {
		plain(w, lookup("localhost"))
	})

	listener, err := net.Listen("tcp4", "0.0.0.0:"+os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "listening:", err)
		os.Exit(1)
	}
	fmt.Println("listening")
	err = http.Serve(listener, nil)
	fmt.Fprintln(os.Stderr, "serving:", err)
	os.Exit(1)
}

// plain answers `body` as text, without a Date header, so that the bytes are always the same.
func plain(w http.ResponseWriter, body string) {
	w.Header()["Date"] = nil
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, body)
}

// lookup resolves `name` from /etc/hosts only: a DNS query would fail.
func lookup(name string) string {
	resolver := &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			return nil, errors.New("no DNS in this test")
		},
	}
	addresses, err := resolver.LookupHost(context.Background(), name)
	if err != nil {
		return fmt.Sprintf("%s: %v\n", name, err)
	}
	return fmt.Sprintf("%s: %s\n", name, strings.Join(addresses, " "))
}
