package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// exitUnhealthy is the status of astad healthcheck when the server does
// not return 200; Docker's HEALTHCHECK takes 1 as unhealthy.
const exitUnhealthy = 1

// healthcheck GETs /healthz of the astad on this machine and exits with 0
// when it returns 200. It serves as the container's HEALTHCHECK, because
// the runtime image has neither a shell nor curl.
func healthcheck(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	config := configFlag(fs)
	target := fs.String("url", "", "URL to GET (default: /healthz at the address that listen sets)")
	timeout := fs.Duration("timeout", 5*time.Second, "time to wait for the response")
	if code, ok := parseFlags(fs, args, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "astad healthcheck: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}

	if *target == "" {
		cfg, err := loadConfig(*config, environ)
		if err != nil {
			return fail(stderr, "healthcheck", err)
		}
		addr, err := localAddress(cfg.Listen)
		if err != nil {
			return fail(stderr, "healthcheck", err)
		}
		*target = "http://" + addr + "/healthz"
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *target, nil)
	if err != nil {
		fmt.Fprintf(stderr, "astad healthcheck: invalid --url %q: %v\n", *target, err)
		return exitUsage
	}
	// A redirect is no health: /healthz returns 200 itself.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "astad healthcheck: GET %s failed: %v\n", *target, err)
		return exitUnhealthy
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "astad healthcheck: GET %s returned %s\n", *target, resp.Status)
		return exitUnhealthy
	}
	fmt.Fprintf(stdout, "healthy: GET %s returned %s\n", *target, resp.Status)
	return exitOK
}

// localAddress returns the address at which a client on this machine
// reaches a server listening on listen: a wildcard host (empty, 0.0.0.0 or
// ::) becomes the loopback address of its family.
func localAddress(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("listen %q is invalid: %w", listen, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port), nil
}
