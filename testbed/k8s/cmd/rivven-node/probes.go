package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// runProbes executes the container's startup, liveness and readiness probes with their real
// timings. Liveness/startup failures are sent on kill; readiness changes update the status.
func (r *containerRun) runProbes(ctx context.Context, startedAt time.Time, kill chan<- string) {
	started := make(chan struct{})
	if p := r.spec.StartupProbe; p != nil {
		go func() {
			probeLoop(ctx, r, p, startedAt, func(ok bool, consecutive int, msg string) bool {
				if ok {
					r.update(func(s *v1.ContainerStatus) { t := true; s.Started = &t })
					close(started)
					return false // startup probes stop after the first success
				}
				if consecutive >= threshold(p.FailureThreshold, 3) {
					sendKill(kill, "startup probe failed: " + msg)
					return false
				}
				return true
			})
		}()
	} else {
		close(started)
	}
	if p := r.spec.LivenessProbe; p != nil {
		go func() {
			if !waitChan(ctx, started) {
				return
			}
			probeLoop(ctx, r, p, startedAt, func(ok bool, consecutive int, msg string) bool {
				if !ok && consecutive >= threshold(p.FailureThreshold, 3) {
					sendKill(kill, "liveness probe failed: " + msg)
					return false
				}
				return true
			})
		}()
	}
	if p := r.spec.ReadinessProbe; p != nil {
		go func() {
			if !waitChan(ctx, started) {
				return
			}
			probeLoop(ctx, r, p, startedAt, func(ok bool, consecutive int, msg string) bool {
				var ready bool
				switch {
				case ok && consecutive >= threshold(p.SuccessThreshold, 1):
					ready = true
				case !ok && consecutive >= threshold(p.FailureThreshold, 3):
					ready = false
				default:
					return true
				}
				if r.snapshot().Ready != ready {
					r.update(func(s *v1.ContainerStatus) { s.Ready = ready })
				}
				return true
			})
		}()
	} else if r.spec.StartupProbe != nil {
		go func() {
			if waitChan(ctx, started) {
				r.update(func(s *v1.ContainerStatus) { s.Ready = true })
			}
		}()
	}
}

func waitChan(ctx context.Context, c <-chan struct{}) bool {
	select {
	case <-ctx.Done():
		return false
	case <-c:
		return true
	}
}

func threshold(v int32, def int) int {
	if v <= 0 {
		return def
	}
	return int(v)
}

func seconds(v int32, def int) time.Duration {
	if v <= 0 {
		return time.Duration(def) * time.Second
	}
	return time.Duration(v) * time.Second
}

// probeLoop runs one probe: initial delay from container start, then every period. onResult gets
// the outcome and how many consecutive results of that outcome were seen; it returns false to stop.
func probeLoop(ctx context.Context, r *containerRun, p *v1.Probe, startedAt time.Time,
	onResult func(ok bool, consecutive int, msg string) bool) {
	if d := time.Until(startedAt.Add(time.Duration(p.InitialDelaySeconds) * time.Second)); d > 0 {
		if !sleepCtx(ctx, d) {
			return
		}
	}
	period := seconds(p.PeriodSeconds, 10)
	timeout := seconds(p.TimeoutSeconds, 1)
	var last *bool
	consecutive := 0
	for {
		ok, msg := r.probeOnce(ctx, p, timeout)
		if ctx.Err() != nil {
			return
		}
		if last != nil && *last == ok {
			consecutive++
		} else {
			consecutive = 1
			last = &ok
		}
		if !onResult(ok, consecutive, msg) {
			return
		}
		if !sleepCtx(ctx, period) {
			return
		}
	}
}

func (r *containerRun) probeOnce(ctx context.Context, p *v1.Probe, timeout time.Duration) (bool, string) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch {
	case p.HTTPGet != nil:
		return r.httpProbe(ctx, p.HTTPGet, timeout)
	case p.TCPSocket != nil:
		host := p.TCPSocket.Host
		if host == "" {
			host = r.w.ip
		}
		port, err := r.resolvePort(p.TCPSocket.Port)
		if err != nil {
			return false, err.Error()
		}
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		conn, err := (&net.Dialer{Timeout: timeout}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return false, fmt.Sprintf("dial tcp %s: %v", addr, err)
		}
		conn.Close()
		return true, ""
	case p.Exec != nil:
		// The Rivven images are FROM scratch with a single binary: an exec probe could not run there either.
		return false, "exec probes are not supported by the rivven-render testbed (the images have no shell)"
	case p.GRPC != nil:
		return false, "grpc probes are not supported by the rivven-render testbed"
	}
	return false, "probe has no handler"
}

func (r *containerRun) httpProbe(ctx context.Context, g *v1.HTTPGetAction, timeout time.Duration) (bool, string) {
	host := g.Host
	if host == "" {
		host = r.w.ip
	}
	port, err := r.resolvePort(g.Port)
	if err != nil {
		return false, err.Error()
	}
	scheme := "http"
	if g.Scheme == v1.URISchemeHTTPS {
		scheme = "https"
	}
	path := g.Path
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	u := &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, strconv.Itoa(port))}
	target := u.String() + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return false, err.Error()
	}
	req.Header.Set("User-Agent", "kube-probe/1.36")
	for _, h := range g.HTTPHeaders {
		req.Header.Set(h.Name, h.Value)
	}
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{
		// As the kubelet: HTTPS probes do not verify certificates.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: true, Proxy: nil,
	}}
	resp, err := client.Do(req)
	if err != nil {
		return false, fmt.Sprintf("Get %q: %v", target, err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 400 {
		return true, ""
	}
	return false, fmt.Sprintf("HTTP probe failed with statuscode: %d", resp.StatusCode)
}

// resolvePort turns a numeric or named port into a number using the container's ports.
func (r *containerRun) resolvePort(p intstr.IntOrString) (int, error) {
	if p.Type == intstr.Int {
		return p.IntValue(), nil
	}
	for _, cp := range r.spec.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(p.StrVal); err == nil {
		return n, nil
	}
	return 0, fmt.Errorf("port %q not found among the container's ports", p.StrVal)
}

// sendKill never blocks: the first failing probe wins, later ones are moot.
func sendKill(kill chan<- string, reason string) {
	select {
	case kill <- reason:
	default:
	}
}
