package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// rivvenImages maps the published Rivven images to the cached binaries (--rivven-bin, built once by
// `tb build`) that stand in for them.
var rivvenImages = map[string]string{
	"ghcr.io/hupe1980/rivvend":        "rivvend",
	"ghcr.io/hupe1980/rivven-connect": "rivven-connect",
	"ghcr.io/hupe1980/rivven-schema":  "rivven-schema",
}

// renderImages maps rivven-render's own image (its in-cluster companion) to the binary in
// --render-bin. That binary changes with the checkout: the tests copy their fresh build there, so
// it is looked up and copied into the pod at every container start, never at agent start.
var renderImages = map[string]string{
	"ghcr.io/rivven-render/rivven-render": "rivven-render",
}

// imageRepository strips tag and digest: "ghcr.io/hupe1980/rivvend:0.0.22" -> "ghcr.io/hupe1980/rivvend".
func imageRepository(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		image = image[:i]
	}
	return image
}

// containerRun supervises one container of a pod: start, probes, exits, restarts, stop.
type containerRun struct {
	w       *podWorker
	spec    v1.Container
	isInit  bool
	binary  string // empty when the image cannot run here
	copied  bool   // binary is copied into the pod at each start (it may be replaced any time)
	logPath string
	pidPath string

	mu     sync.Mutex
	status v1.ContainerStatus
	proc   *os.Process
}

func newContainerRun(w *podWorker, c v1.Container, isInit bool, previous *v1.ContainerStatus) *containerRun {
	r := &containerRun{
		w: w, spec: c, isInit: isInit,
		logPath: filepath.Join(w.logDir, c.Name+".log"),
		pidPath: filepath.Join(w.logDir, c.Name+".pid"),
	}
	r.status = v1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: "",
		State: v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "ContainerCreating"}}}
	if previous != nil { // agent restarted: keep counting restarts where the pod left off
		r.status.RestartCount = previous.RestartCount
		r.status.LastTerminationState = previous.LastTerminationState
	}
	if name, ok := rivvenImages[imageRepository(c.Image)]; ok {
		r.binary = filepath.Join(w.a.rivvenBin, name)
		r.status.ImageID = imageRepository(c.Image) + "@testbed-local-" + name
	}
	if name, ok := renderImages[imageRepository(c.Image)]; ok {
		r.binary, r.copied = filepath.Join(w.a.renderBin, name), true
		// Replaced by the sha256 of the binary once it has started.
		r.status.ImageID = imageRepository(c.Image) + "@testbed-local-" + name
	}
	return r
}

// runnableImages is the list the ErrImagePull message of a foreign image gives.
func (a *agent) runnableImages() string {
	return "ghcr.io/hupe1980/rivvend, ghcr.io/hupe1980/rivven-connect and ghcr.io/hupe1980/rivven-schema " +
		"(as local processes of the real Rivven programs), and ghcr.io/rivven-render/rivven-render (as the " +
		"rivven-render binary copied to " + filepath.Join(a.renderBin, "rivven-render") + ")"
}

// waitForBinary returns once the container's binary exists (false when ctx ended first). Until
// then the container waits in ErrImagePull, as a kubelet does while an image cannot be pulled;
// the check repeats, so a binary copied in after the pod was created still starts it.
func (r *containerRun) waitForBinary(ctx context.Context) bool {
	shown := false
	for {
		if _, err := os.Stat(r.binary); err == nil {
			return true
		}
		if !shown {
			msg := fmt.Sprintf("binary for %s missing at %s (run testbed/tb build)", r.spec.Image, r.binary)
			if r.copied {
				msg = fmt.Sprintf("binary for %s missing: copy a rivven-render binary (the crate's build) to %s; "+
					"the container starts once it is there", r.spec.Image, r.binary)
			}
			r.setWaiting("ErrImagePull", msg)
			shown = true
		}
		if !sleepCtx(ctx, time.Second) {
			return false
		}
	}
}

func (r *containerRun) snapshot() v1.ContainerStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return *r.status.DeepCopy()
}

func (r *containerRun) update(f func(s *v1.ContainerStatus)) {
	r.mu.Lock()
	f(&r.status)
	r.mu.Unlock()
	r.w.publish()
}

func (r *containerRun) setWaiting(reason, message string) {
	r.update(func(s *v1.ContainerStatus) {
		s.State = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: reason, Message: message}}
		s.Ready = false
		f := false
		s.Started = &f
	})
}

// supervise runs the container until ctx ends (pod deleted or agent stopping); for init containers
// it returns once the container exited 0. The return value tells whether it completed successfully.
func (r *containerRun) supervise(ctx context.Context) bool {
	if r.binary == "" {
		r.setWaiting("ErrImagePull", fmt.Sprintf("image %q cannot run on the rivven-render testbed: there is no "+
			"container engine; only %s run", r.spec.Image, r.w.a.runnableImages()))
		<-ctx.Done()
		return false
	}
	backoff := r.w.a.backoffInitial
	for attempt := 0; ; attempt++ {
		if ctx.Err() != nil || !r.waitForBinary(ctx) {
			return false
		}
		started := time.Now()
		exit, err := r.runOnce(ctx, attempt > 0)
		if err != nil { // could not start: configuration problem, retried like the kubelet does
			r.setWaiting("CreateContainerConfigError", err.Error())
			if !sleepCtx(ctx, 5*time.Second) {
				return false
			}
			attempt--
			continue
		}
		if ctx.Err() != nil {
			return false
		}
		policy := r.w.currentPod().Spec.RestartPolicy
		if r.isInit && r.spec.RestartPolicy != nil && *r.spec.RestartPolicy == v1.ContainerRestartPolicyAlways {
			policy = v1.RestartPolicyAlways // sidecar-style init container
		}
		if exit == 0 && (r.isInit || policy != v1.RestartPolicyAlways) {
			return true
		}
		if policy == v1.RestartPolicyNever {
			<-ctx.Done()
			return false
		}
		if time.Since(started) > 10*time.Minute {
			backoff = r.w.a.backoffInitial
		}
		// Show the termination for a moment, then the back-off, as `kubectl get pods` would.
		if !sleepCtx(ctx, time.Second) {
			return false
		}
		r.update(func(s *v1.ContainerStatus) {
			s.LastTerminationState = s.State
			s.State = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
				Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", backoff,
					r.spec.Name, r.w.name, r.w.namespace, r.w.uid)}}
		})
		if !sleepCtx(ctx, backoff) {
			return false
		}
		backoff *= 2
		if backoff > 5*time.Minute {
			backoff = 5 * time.Minute
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// runOnce starts the process, runs its probes and waits for it to end. A liveness or startup
// failure kills it. Returns the exit code.
func (r *containerRun) runOnce(ctx context.Context, restart bool) (int, error) {
	cmd, err := r.start(ctx)
	if err != nil {
		return 0, err
	}
	now := metav1.Now()
	hasStartup := r.spec.StartupProbe != nil
	r.update(func(s *v1.ContainerStatus) {
		if restart {
			s.RestartCount++
			if s.State.Terminated != nil {
				s.LastTerminationState = s.State
			}
		}
		s.State = v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: now}}
		s.ContainerID = fmt.Sprintf("testbed://%s-%s-%d", r.w.uid, r.spec.Name, s.RestartCount)
		started := !hasStartup
		s.Started = &started
		s.Ready = r.spec.ReadinessProbe == nil && !hasStartup && !r.isInit
	})
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()

	probeCtx, stopProbes := context.WithCancel(ctx)
	kill := make(chan string, 1)
	if !r.isInit {
		go r.runProbes(probeCtx, now.Time, kill)
	}
	var reason string
	select {
	case <-exited:
	case reason = <-kill:
		log.Printf("pod %s/%s container %s: %s, restarting", r.w.namespace, r.w.name, r.spec.Name, reason)
		r.terminate(exited, r.grace())
	case <-ctx.Done():
		r.terminate(exited, r.w.stopGrace())
	}
	stopProbes()
	<-exited
	os.Remove(r.pidPath)
	code := exitCode(cmd, waitErr)
	term := &v1.ContainerStateTerminated{ExitCode: int32(code), StartedAt: now, FinishedAt: metav1.Now(),
		ContainerID: r.snapshot().ContainerID, Message: tailLog(r.logPath, 20, 4096)}
	term.Reason = "Error"
	if code == 0 {
		term.Reason = "Completed"
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		term.Reason = "Error"
	}
	log.Printf("pod %s/%s container %s exited with code %d", r.w.namespace, r.w.name, r.spec.Name, code)
	r.update(func(s *v1.ContainerStatus) {
		s.State = v1.ContainerState{Terminated: term}
		s.Ready = false
	})
	return code, nil
}

func exitCode(cmd *exec.Cmd, err error) int {
	if cmd.ProcessState == nil {
		return 128
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return cmd.ProcessState.ExitCode()
}

func (r *containerRun) grace() time.Duration {
	if g := r.w.currentPod().Spec.TerminationGracePeriodSeconds; g != nil {
		return time.Duration(*g) * time.Second
	}
	return 30 * time.Second
}

// terminate sends SIGTERM to the container's process group and SIGKILL after the grace period.
func (r *containerRun) terminate(exited <-chan struct{}, grace time.Duration) {
	r.mu.Lock()
	p := r.proc
	r.mu.Unlock()
	if p == nil {
		return
	}
	_ = syscall.Kill(-p.Pid, syscall.SIGTERM)
	select {
	case <-exited:
		return
	case <-time.After(grace):
	}
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
}

// start prepares env, volumes and the spec file, then launches "rivven-node container-init" in new
// mount and UTS namespaces; that helper execs the real program with the pod's exact argv.
func (r *containerRun) start(ctx context.Context) (*exec.Cmd, error) {
	w := r.w
	env, err := w.containerEnv(ctx, &r.spec)
	if err != nil {
		return nil, err
	}
	volumes, err := w.volumesOnce(ctx)
	if err != nil {
		return nil, err
	}
	mounts, err := containerMounts(&r.spec, volumes, env)
	if err != nil {
		return nil, err
	}
	argv := []string{"/app"}
	if len(r.spec.Command) > 0 {
		argv = nil
		for _, a := range r.spec.Command {
			argv = append(argv, expandVars(a, env.lookup))
		}
	}
	for _, a := range r.spec.Args {
		argv = append(argv, expandVars(a, env.lookup))
	}
	binary := r.binary
	if r.copied {
		// A private copy per start: the program runs exactly the binary that was there now, and
		// the tests can replace the original at any time (no ETXTBSY, no half-written binary).
		binary = filepath.Join(w.dir, "images", r.spec.Name)
		sum, err := copyBinary(r.binary, binary)
		if err != nil {
			return nil, err
		}
		r.mu.Lock()
		r.status.ImageID = imageRepository(r.spec.Image) + "@sha256:" + sum
		r.mu.Unlock()
	}
	uid, gid, groups := r.identity()
	// Per-pod networking: the bind shim turns wildcard binds into binds of the pod IP (see
	// testbed/bindshim/bindshim.c). Both variables are for the shim only; its constructor removes
	// them, so the program sees exactly the pod's environment.
	mounts = append(mounts, mountSpec{Source: w.a.bindShim, Target: bindShimPath, ReadOnly: true})
	execEnv := env.list()
	preload := bindShimPath
	if v, ok := env.lookup("LD_PRELOAD"); ok && v != "" {
		preload += ":" + v
	}
	execEnv = append(withoutVar(execEnv, "LD_PRELOAD"), "LD_PRELOAD="+preload, bindShimIPVar+"="+w.ip)
	spec := containerSpec{
		Rootfs: filepath.Join(w.dir, "rootfs", r.spec.Name), Binary: binary, Entrypoint: "/app",
		Argv: argv, Env: execEnv, WorkingDir: r.spec.WorkingDir, Hostname: podHostname(w.currentPod()),
		HostsFile: w.hostsPath, Mounts: mounts, UID: uid, GID: gid, Groups: groups,
	}
	specPath := filepath.Join(w.dir, r.spec.Name+".spec.json")
	raw, _ := json.MarshalIndent(spec, "", "  ")
	if err := os.WriteFile(specPath, raw, 0o600); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(r.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "container-init", specPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWUTS,
		Setpgid:    true, // own process group: SIGTERM reaches everything the program spawns
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", r.spec.Name, err)
	}
	r.mu.Lock()
	r.proc = cmd.Process
	r.mu.Unlock()
	_ = os.WriteFile(r.pidPath, []byte(fmt.Sprint(cmd.Process.Pid)), 0o644)
	log.Printf("pod %s/%s container %s started (pid %d): %q", w.namespace, w.name, r.spec.Name, cmd.Process.Pid, argv)
	return cmd, nil
}

// copyBinary copies an executable to dst (through a temporary file and a rename, so an earlier copy
// that is still mapped is never written to) and returns its sha256 in hex.
func copyBinary(src, dst string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("reading the image's binary: %w", err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(out, h), in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o755) // readable and executable for the container's non-root user
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("copying the image's binary %s: %w", src, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Where the bind shim appears inside a container (outside anything an image would ship), and the
// variable carrying the pod IP to it.
const (
	bindShimPath  = "/.rivven-testbed/bindshim.so"
	bindShimIPVar = "RIVVEN_TESTBED_POD_IP"
)

func withoutVar(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// identity resolves runAsUser/runAsGroup (container over pod) with the Rivven images' USER
// 65532:65532 as default, and fsGroup/supplementalGroups as extra groups.
func (r *containerRun) identity() (int, int, []int) {
	uid, gid := int64(65532), int64(65532)
	var groups []int
	pod := r.w.currentPod()
	if psc := pod.Spec.SecurityContext; psc != nil {
		if psc.RunAsUser != nil {
			uid = *psc.RunAsUser
		}
		if psc.RunAsGroup != nil {
			gid = *psc.RunAsGroup
		}
		if psc.FSGroup != nil {
			groups = append(groups, int(*psc.FSGroup))
		}
		for _, g := range psc.SupplementalGroups {
			groups = append(groups, int(g))
		}
	}
	if sc := r.spec.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			uid = *sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			gid = *sc.RunAsGroup
		}
	}
	if groups == nil {
		groups = []int{}
	}
	return int(uid), int(gid), groups
}

// tailLog returns the last lines of a container log (what the pod status shows as message).
func tailLog(path string, lines, maxBytes int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, _ := f.Stat()
	size := st.Size()
	start := size - int64(maxBytes)
	if start < 0 {
		start = 0
	}
	buf := make([]byte, size-start)
	_, _ = f.ReadAt(buf, start)
	text := ansiEscape.ReplaceAllString(string(buf), "") // rivvend colours its logs even into files
	parts := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if start > 0 && len(parts) > 1 {
		parts = parts[1:] // first line was cut
	}
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")
