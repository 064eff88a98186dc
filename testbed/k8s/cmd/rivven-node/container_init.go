package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// containerSpec is what the agent hands to its re-executed self ("container-init") to start one
// container. The helper already runs in a fresh mount and UTS namespace (clone flags set by the
// agent), builds a scratch-like root there and execs the Rivven binary as the image would.
type containerSpec struct {
	Rootfs     string      `json:"rootfs"`
	Binary     string      `json:"binary"`     // host path of the real program
	Entrypoint string      `json:"entrypoint"` // where the image keeps it ("/app")
	Argv       []string    `json:"argv"`
	Env        []string    `json:"env"`
	WorkingDir string      `json:"workingDir"`
	Hostname   string      `json:"hostname"`
	HostsFile  string      `json:"hostsFile"`
	Mounts     []mountSpec `json:"mounts"`
	UID        int         `json:"uid"`
	GID        int         `json:"gid"`
	Groups     []int       `json:"groups"`
}

type mountSpec struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"readOnly"`
}

// Host directories the dynamically linked (glibc) Rivven binaries need; the images are FROM scratch
// with a static binary, so nothing else of the host is exposed.
var hostLibraryDirs = []string{"/lib", "/lib64", "/lib32", "/usr/lib", "/usr/lib64", "/usr/lib32", "/etc/ssl", "/etc/ca-certificates", "/usr/share/ca-certificates"}

func containerInitMain(specPath string) {
	raw, err := os.ReadFile(specPath)
	if err != nil {
		initFail("reading spec: %v", err)
	}
	var spec containerSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		initFail("parsing spec: %v", err)
	}
	if err := buildRoot(&spec); err != nil {
		initFail("preparing container root: %v", err)
	}
	if err := syscall.Chroot(spec.Rootfs); err != nil {
		initFail("chroot: %v", err)
	}
	wd := spec.WorkingDir
	if wd == "" {
		wd = "/"
	}
	if err := os.MkdirAll(wd, 0o755); err != nil {
		initFail("working dir: %v", err)
	}
	if err := os.Chdir(wd); err != nil {
		initFail("chdir %s: %v", wd, err)
	}
	syscall.Umask(0o022)
	if err := syscall.Setgroups(spec.Groups); err != nil {
		initFail("setgroups: %v", err)
	}
	if err := syscall.Setgid(spec.GID); err != nil {
		initFail("setgid: %v", err)
	}
	if err := syscall.Setuid(spec.UID); err != nil {
		initFail("setuid: %v", err)
	}
	argv0 := spec.Argv[0]
	if !strings.HasPrefix(argv0, "/") {
		argv0 = lookPathIn(argv0, spec.Env)
	}
	err = syscall.Exec(argv0, spec.Argv, spec.Env)
	// Same exit code and wording a container runtime gives for a missing executable.
	fmt.Fprintf(os.Stderr, "exec: %q: %v (the image ships only %s)\n", spec.Argv[0], err, spec.Entrypoint)
	os.Exit(127)
}

func initFail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "rivven-node container-init: "+format+"\n", args...)
	os.Exit(128)
}

func lookPathIn(name string, env []string) string {
	path := "/usr/local/bin:/usr/bin:/bin"
	for _, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			path = kv[5:]
		}
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return name
}

func buildRoot(spec *containerSpec) error {
	// Private propagation first, so none of the mounts below leak to the host.
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	if spec.Hostname != "" {
		if err := syscall.Sethostname([]byte(spec.Hostname)); err != nil {
			return fmt.Errorf("sethostname: %w", err)
		}
	}
	root := spec.Rootfs
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	// A tmpfs root: mount points can be created anywhere in it without touching the host's disk,
	// and it vanishes with the namespace.
	if err := syscall.Mount("tmpfs", root, "tmpfs", 0, "mode=0755"); err != nil {
		return fmt.Errorf("tmpfs root: %w", err)
	}
	for _, d := range hostLibraryDirs {
		if err := exposeHostPath(root, d); err != nil {
			return err
		}
	}
	for _, d := range []string{"proc", "dev", "sys", "etc", "tmp", "var/tmp", "home/nonroot", "run"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	_ = os.Chmod(filepath.Join(root, "tmp"), 0o1777)
	_ = os.Chmod(filepath.Join(root, "var/tmp"), 0o1777)
	_ = os.Chown(filepath.Join(root, "home/nonroot"), 65532, 65532)
	if err := syscall.Mount("proc", filepath.Join(root, "proc"), "proc", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount proc: %w", err)
	}
	if err := bindMount("/dev", filepath.Join(root, "dev"), false, true); err != nil {
		return err
	}
	if err := bindMount("/sys", filepath.Join(root, "sys"), true, true); err != nil {
		return err
	}
	files := map[string]string{
		"etc/passwd":        "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
		"etc/group":         "root:x:0:\nnonroot:x:65532:\n",
		"etc/nsswitch.conf": "hosts: files dns\npasswd: files\ngroup: files\n",
		// No DNS server exists on the testbed: /etc/hosts carries the Service names. A resolver
		// pointing at loopback fails fast instead of querying anything off-machine.
		"etc/resolv.conf": "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
		"etc/hostname":    spec.Hostname + "\n",
		"etc/hosts":       "",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	if spec.HostsFile != "" {
		if err := bindMount(spec.HostsFile, filepath.Join(root, "etc/hosts"), true, false); err != nil {
			return err
		}
	}
	if err := mountAt(root, mountSpec{Source: spec.Binary, Target: spec.Entrypoint, ReadOnly: true}); err != nil {
		return err
	}
	// Parents before children, so a mount inside another volume's path lands on top of it.
	mounts := append([]mountSpec(nil), spec.Mounts...)
	sort.SliceStable(mounts, func(i, j int) bool {
		return strings.Count(filepath.Clean(mounts[i].Target), "/") < strings.Count(filepath.Clean(mounts[j].Target), "/")
	})
	for _, m := range mounts {
		if err := mountAt(root, m); err != nil {
			return err
		}
	}
	return nil
}

// exposeHostPath recreates a host path inside the root: symlinks as symlinks (usr-merged systems),
// directories as read-only bind mounts.
func exposeHostPath(root, p string) error {
	st, err := os.Lstat(p)
	if err != nil {
		return nil // not on this host
	}
	dst := filepath.Join(root, p)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if st.Mode()&os.ModeSymlink != 0 {
		target, err := os.Readlink(p)
		if err != nil {
			return err
		}
		if _, err := os.Lstat(dst); err == nil {
			return nil
		}
		return os.Symlink(target, dst)
	}
	if _, err := os.Lstat(dst); err == nil {
		return nil // already provided through a symlinked parent
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	return bindMount(p, dst, true, true)
}

func mountAt(root string, m mountSpec) error {
	dst := filepath.Join(root, filepath.Clean("/"+m.Target))
	st, err := os.Stat(m.Source)
	if err != nil {
		return fmt.Errorf("mount source %s: %w", m.Source, err)
	}
	if st.IsDir() {
		err = os.MkdirAll(dst, 0o755)
	} else {
		if err = os.MkdirAll(filepath.Dir(dst), 0o755); err == nil {
			var f *os.File
			if f, err = os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
				f.Close()
			}
		}
	}
	if err != nil {
		return fmt.Errorf("mount point %s: %w", m.Target, err)
	}
	return bindMount(m.Source, dst, m.ReadOnly, true)
}

func bindMount(src, dst string, readOnly, recursive bool) error {
	flags := uintptr(syscall.MS_BIND)
	if recursive {
		flags |= syscall.MS_REC
	}
	if err := syscall.Mount(src, dst, "", flags, ""); err != nil {
		return fmt.Errorf("bind %s -> %s: %w", src, dst, err)
	}
	if readOnly {
		if err := syscall.Mount("", dst, "", flags|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
			return fmt.Errorf("read-only %s: %w", dst, err)
		}
	}
	return nil
}
