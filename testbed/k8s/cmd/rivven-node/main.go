// Command rivven-node is the testbed's node agent: it registers a Node and runs the pods bound to it
// as local processes of the real Rivven programs (there is no container engine on the testbed).
// `rivven-node container-init SPEC` is its own re-executed helper that sets up one container.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
)

// nodeIP is the node's address; pods get their own 127.x.y.z addresses next to it.
const nodeIP = "127.0.0.1"

type agent struct {
	node           kubernetes.Interface // identity system:node:<name>, checked by the Node authorizer
	admin          kubernetes.Interface // provisioner and hosts table: cluster-wide reads and PV writes
	nodeName       string
	stateDir       string
	rivvenBin      string
	renderBin      string // rivven-render binary for ghcr.io/rivven-render/rivven-render (copied in by tests)
	apiServerHost  string // the API server's real address (kubeconfig server URL), for the kubernetes Service's env
	apiServerPort  int
	bindShim       string // LD_PRELOAD library emulating per-pod networking (testbed/bindshim)
	k8sVersion     string
	backoffInitial time.Duration
	hosts          *hostsTable

	mu      sync.Mutex
	workers map[types.UID]*podWorker
	usedIPs map[string]types.UID
	nextIP  int
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "container-init" {
		runtime.LockOSThread()
		containerInitMain(os.Args[2])
		return
	}
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig with the node's identity")
	provKubeconfig := flag.String("provisioner-kubeconfig", "", "kubeconfig for the volume provisioner and hosts table")
	nodeName := flag.String("node-name", "testbed", "name of the Node to register")
	stateDir := flag.String("state-dir", "", "testbed state directory (pods/ and volumes/ live here)")
	rivvenBin := flag.String("rivven-bin", "", "directory with rivvend, rivven-connect, rivven-schema")
	renderBin := flag.String("render-bin", "", "directory where the tests put rivven-render (read at each container start)")
	bindShim := flag.String("bind-shim", "", "bindshim.so preloaded into every container: wildcard binds go to the pod IP")
	version := flag.String("kubernetes-version", "v1.36.3", "version reported as kubeletVersion")
	backoff := flag.Duration("crashloop-backoff", 10*time.Second, "first restart delay after a container exits")
	flag.Parse()
	if *kubeconfig == "" || *provKubeconfig == "" || *stateDir == "" || *rivvenBin == "" || *renderBin == "" || *bindShim == "" {
		log.Fatal("--kubeconfig, --provisioner-kubeconfig, --state-dir, --rivven-bin, --render-bin and --bind-shim are required")
	}
	if _, err := os.Stat(*bindShim); err != nil {
		log.Fatalf("bind shim: %v (run testbed/tb build)", err)
	}
	apiHost, apiPort, err := apiServerAddress(*kubeconfig)
	if err != nil {
		log.Fatalf("kubeconfig %s: %v", *kubeconfig, err)
	}
	a := &agent{
		node: mustClient(*kubeconfig), admin: mustClient(*provKubeconfig), nodeName: *nodeName,
		stateDir: *stateDir, rivvenBin: *rivvenBin, renderBin: *renderBin, bindShim: *bindShim,
		apiServerHost: apiHost, apiServerPort: apiPort, k8sVersion: *version, backoffInitial: *backoff,
		workers: map[types.UID]*podWorker{}, usedIPs: map[string]types.UID{},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	adminInformers := informers.NewSharedInformerFactory(a.admin, 0)
	a.hosts = newHostsTable(adminInformers)
	prov := newProvisioner(a.admin, adminInformers, a.stateDir+"/volumes")
	adminInformers.Start(ctx.Done())
	adminInformers.WaitForCacheSync(ctx.Done())
	go a.hosts.loop(ctx.Done())
	if err := prov.ensureStorageClass(ctx); err != nil {
		log.Printf("default storage class: %v", err)
	}
	go prov.loop(ctx)

	if err := a.registerNode(ctx); err != nil {
		log.Fatalf("registering node: %v", err)
	}
	go a.heartbeat(ctx)

	podInformers := informers.NewSharedInformerFactoryWithOptions(a.node, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", a.nodeName).String()
		}))
	_, _ = podInformers.Core().V1().Pods().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { a.podChanged(o.(*v1.Pod)) },
		UpdateFunc: func(_, o any) { a.podChanged(o.(*v1.Pod)) },
		DeleteFunc: func(o any) {
			if t, ok := o.(cache.DeletedFinalStateUnknown); ok {
				o = t.Obj
			}
			if p, ok := o.(*v1.Pod); ok {
				a.podGone(p)
			}
		},
	})
	podInformers.Start(ctx.Done())
	log.Printf("node %s ready; running pods with binaries from %s and %s; pods reach the API server at %s:%d",
		a.nodeName, a.rivvenBin, a.renderBin, a.apiServerHost, a.apiServerPort)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	log.Printf("stopping: terminating all containers")
	a.stopAll()
}

// apiServerAddress is the host and port of the kubeconfig's server URL: where pods reach the API
// server, since there is no kube-proxy for the kubernetes Service's ClusterIP (see serviceLinkEnv).
func apiServerAddress(path string) (string, int, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return "", 0, err
	}
	u, err := url.Parse(cfg.Host)
	if err != nil || u.Hostname() == "" {
		return "", 0, fmt.Errorf("server URL %q: not host:port (%v)", cfg.Host, err)
	}
	port := 443
	if u.Scheme == "http" {
		port = 80
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return "", 0, fmt.Errorf("server URL %q: port: %w", cfg.Host, err)
		}
	}
	return u.Hostname(), port, nil
}

func mustClient(path string) kubernetes.Interface {
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		log.Fatalf("kubeconfig %s: %v", path, err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	return kubernetes.NewForConfigOrDie(cfg)
}

// stopAll stops every container (like a kubelet shutting down) without deleting pods: the next
// agent start finds them and runs them again.
func (a *agent) stopAll() {
	a.mu.Lock()
	workers := make([]*podWorker, 0, len(a.workers))
	for _, w := range a.workers {
		workers = append(workers, w)
	}
	a.mu.Unlock()
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func(w *podWorker) {
			defer wg.Done()
			grace := w.stopGrace()
			if grace > 15*time.Second {
				grace = 15 * time.Second
			}
			w.terminate(grace, false)
		}(w)
	}
	wg.Wait()
}

func (a *agent) podChanged(pod *v1.Pod) {
	if pod.Spec.NodeName != a.nodeName {
		return
	}
	a.mu.Lock()
	w, ok := a.workers[pod.UID]
	if !ok && pod.DeletionTimestamp != nil {
		// Deleted while no agent ran it (e.g. across a restart): nothing runs, so just remove it.
		a.mu.Unlock()
		zero := int64(0)
		uid := pod.UID
		_ = a.node.CoreV1().Pods(pod.Namespace).Delete(context.Background(), pod.Name, metav1.DeleteOptions{
			GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &uid}})
		return
	}
	if !ok {
		if pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed {
			if pod.DeletionTimestamp == nil {
				a.mu.Unlock()
				return // finished pods stay finished
			}
		}
		w = newPodWorker(a, pod, a.allocateIP(pod))
		a.workers[pod.UID] = w
		a.mu.Unlock()
		log.Printf("pod %s/%s (%s) assigned IP %s", pod.Namespace, pod.Name, pod.UID, w.ip)
		go w.run()
	} else {
		a.mu.Unlock()
		w.setPod(pod)
	}
	if pod.DeletionTimestamp != nil {
		a.beginDeletion(w, pod)
	}
}

// beginDeletion stops the pod's containers with the deletion's grace period (SIGTERM, then
// SIGKILL) and then removes the pod object, once.
func (a *agent) beginDeletion(w *podWorker, pod *v1.Pod) {
	w.mu.Lock()
	if w.deleting {
		w.mu.Unlock()
		return
	}
	w.deleting = true
	w.mu.Unlock()
	grace := 30 * time.Second
	if pod.DeletionGracePeriodSeconds != nil {
		grace = time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	}
	go func() {
		log.Printf("pod %s/%s deleted: stopping containers (grace %s)", pod.Namespace, pod.Name, grace)
		w.terminate(grace, true)
		w.finishDeletion()
		a.forget(w)
	}()
}

// podGone handles a pod that vanished from the API without our final delete (force deletion).
func (a *agent) podGone(pod *v1.Pod) {
	a.mu.Lock()
	w, ok := a.workers[pod.UID]
	a.mu.Unlock()
	if !ok {
		return
	}
	w.mu.Lock()
	already := w.deleting
	w.deleting = true
	w.mu.Unlock()
	if already {
		return
	}
	go func() {
		w.terminate(2*time.Second, true)
		_ = os.RemoveAll(w.dir)
		a.forget(w)
	}()
}

func (a *agent) forget(w *podWorker) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.workers, w.uid)
	if a.usedIPs[w.ip] == w.uid {
		delete(a.usedIPs, w.ip)
	}
}

// allocateIP gives each pod its own loopback address in 127.1.0.0/16 (all of 127/8 is local on
// Linux, so programs can bind them without any network setup). A pod keeps the IP it already has.
func (a *agent) allocateIP(pod *v1.Pod) string {
	if ip := pod.Status.PodIP; strings.HasPrefix(ip, "127.") && ip != nodeIP {
		if owner, used := a.usedIPs[ip]; !used || owner == pod.UID {
			a.usedIPs[ip] = pod.UID
			return ip
		}
	}
	for i := 0; i < 250*250; i++ {
		n := (a.nextIP + i) % (250 * 250)
		ip := fmt.Sprintf("127.1.%d.%d", n/250, n%250+2)
		if _, used := a.usedIPs[ip]; !used {
			a.usedIPs[ip] = pod.UID
			a.nextIP = n + 1
			return ip
		}
	}
	return "127.1.255.254"
}

func nodeAllocatable() v1.ResourceList {
	// Generous on purpose: rendered manifests carry production-sized requests, and the testbed
	// should schedule them; the processes themselves are small.
	return v1.ResourceList{
		v1.ResourceCPU: resource.MustParse("32"), v1.ResourceMemory: resource.MustParse("128Gi"),
		v1.ResourcePods: resource.MustParse("250"), v1.ResourceEphemeralStorage: resource.MustParse("200Gi"),
	}
}

func (a *agent) nodeStatus(prev *v1.NodeStatus) v1.NodeStatus {
	now := metav1.Now()
	cond := func(t v1.NodeConditionType, s v1.ConditionStatus, reason, msg string) v1.NodeCondition {
		c := v1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now}
		if prev != nil {
			for _, p := range prev.Conditions {
				if p.Type == t && p.Status == s {
					c.LastTransitionTime = p.LastTransitionTime
				}
			}
		}
		return c
	}
	return v1.NodeStatus{
		Capacity: nodeAllocatable(), Allocatable: nodeAllocatable(),
		Conditions: []v1.NodeCondition{
			cond(v1.NodeReady, v1.ConditionTrue, "KubeletReady", "rivven-render testbed node agent is posting ready status"),
			cond(v1.NodeMemoryPressure, v1.ConditionFalse, "KubeletHasSufficientMemory", ""),
			cond(v1.NodeDiskPressure, v1.ConditionFalse, "KubeletHasNoDiskPressure", ""),
			cond(v1.NodePIDPressure, v1.ConditionFalse, "KubeletHasSufficientPID", ""),
		},
		Addresses: []v1.NodeAddress{{Type: v1.NodeInternalIP, Address: nodeIP}, {Type: v1.NodeHostName, Address: a.nodeName}},
		NodeInfo: v1.NodeSystemInfo{KubeletVersion: a.k8sVersion, OperatingSystem: "linux", Architecture: runtime.GOARCH,
			ContainerRuntimeVersion: "rivven-testbed://local-processes", OSImage: "rivven-render testbed"},
	}
}

func (a *agent) registerNode(ctx context.Context) error {
	node := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: a.nodeName, Labels: map[string]string{
		"kubernetes.io/hostname": a.nodeName, "kubernetes.io/os": "linux", "kubernetes.io/arch": runtime.GOARCH}}}
	if _, err := a.node.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	if err := a.updateNodeStatus(ctx); err != nil {
		return err
	}
	return a.removeNotReadyTaint(ctx)
}

// removeNotReadyTaint does the node lifecycle controller's part: the API server taints every new
// Node not-ready, and NodeRestriction (rightly) forbids a node to edit its own taints.
func (a *agent) removeNotReadyTaint(ctx context.Context) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		n, err := a.admin.CoreV1().Nodes().Get(ctx, a.nodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		var kept []v1.Taint
		for _, t := range n.Spec.Taints {
			if t.Key != v1.TaintNodeNotReady && t.Key != v1.TaintNodeUnreachable {
				kept = append(kept, t)
			}
		}
		if len(kept) == len(n.Spec.Taints) {
			return nil
		}
		n.Spec.Taints = kept
		_, err = a.admin.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{})
		return err
	})
}

func (a *agent) updateNodeStatus(ctx context.Context) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		n, err := a.node.CoreV1().Nodes().Get(ctx, a.nodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		n.Status = a.nodeStatus(&n.Status)
		_, err = a.node.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
		return err
	})
}

// heartbeat renews the node Lease every 10 s and the node status every 40 s, as a kubelet does.
func (a *agent) heartbeat(ctx context.Context) {
	leases := a.node.CoordinationV1().Leases("kube-node-lease")
	duration := int32(40)
	for i := 0; ; i++ {
		now := metav1.NewMicroTime(time.Now())
		lease, err := leases.Get(ctx, a.nodeName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			holder := a.nodeName
			_, err = leases.Create(ctx, &coordinationv1.Lease{
				ObjectMeta: metav1.ObjectMeta{Name: a.nodeName},
				Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &duration, RenewTime: &now},
			}, metav1.CreateOptions{})
		} else if err == nil {
			lease.Spec.RenewTime = &now
			_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
		}
		if err != nil {
			log.Printf("lease: %v", err)
		}
		if i%4 == 3 {
			if err := a.updateNodeStatus(ctx); err != nil {
				log.Printf("node status: %v", err)
			}
		}
		if !sleepCtx(ctx, 10*time.Second) {
			return
		}
	}
}
