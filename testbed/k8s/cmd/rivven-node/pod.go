package main

import (
	"context"
	"log"
	"os"
	"path/filepath"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
)

// podWorker owns one pod bound to this node, from first sight until the agent removed it.
type podWorker struct {
	a         *agent
	uid       types.UID
	name      string
	namespace string
	ip        string
	dir       string // per-incarnation state (volumes, container roots); removed with the pod
	logDir    string // <ns>_<pod>: container logs, kept across incarnations for debugging
	hostsPath string

	mu           sync.Mutex
	pod          *v1.Pod
	initRuns     []*containerRun
	runs         []*containerRun
	initialized  bool
	startTime    metav1.Time
	volumes      map[string]string
	volumesMu    sync.Mutex
	deleting     bool
	stopDeadline time.Duration

	ctx      context.Context
	stop     context.CancelFunc
	dirty    chan struct{}
	finished chan struct{}
}

func newPodWorker(a *agent, pod *v1.Pod, ip string) *podWorker {
	w := &podWorker{
		a: a, uid: pod.UID, name: pod.Name, namespace: pod.Namespace, ip: ip, pod: pod.DeepCopy(),
		logDir:    filepath.Join(a.stateDir, "pods", pod.Namespace+"_"+pod.Name),
		dirty:     make(chan struct{}, 1),
		finished:  make(chan struct{}),
		startTime: metav1.Now(),
	}
	if pod.Status.StartTime != nil {
		w.startTime = *pod.Status.StartTime
	}
	w.dir = filepath.Join(w.logDir, string(pod.UID))
	w.hostsPath = filepath.Join(w.dir, "hosts")
	w.ctx, w.stop = context.WithCancel(context.Background())
	previous := map[string]*v1.ContainerStatus{}
	for i := range pod.Status.ContainerStatuses {
		previous[pod.Status.ContainerStatuses[i].Name] = &pod.Status.ContainerStatuses[i]
	}
	for i := range pod.Status.InitContainerStatuses {
		previous["init:"+pod.Status.InitContainerStatuses[i].Name] = &pod.Status.InitContainerStatuses[i]
	}
	for _, c := range pod.Spec.InitContainers {
		w.initRuns = append(w.initRuns, newContainerRun(w, c, true, previous["init:"+c.Name]))
	}
	for _, c := range pod.Spec.Containers {
		w.runs = append(w.runs, newContainerRun(w, c, false, previous[c.Name]))
	}
	return w
}

func (w *podWorker) currentPod() *v1.Pod {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pod
}

func (w *podWorker) setPod(pod *v1.Pod) {
	w.mu.Lock()
	w.pod = pod.DeepCopy()
	w.mu.Unlock()
}

// publish asks the status writer to push the current status (coalesced).
func (w *podWorker) publish() {
	select {
	case w.dirty <- struct{}{}:
	default:
	}
}

// volumesOnce prepares the pod's volumes for the first container that starts and refreshes their
// contents on later starts (restarts).
func (w *podWorker) volumesOnce(ctx context.Context) (map[string]string, error) {
	w.volumesMu.Lock()
	defer w.volumesMu.Unlock()
	v, err := w.prepareVolumes(ctx)
	if err != nil {
		return nil, err
	}
	w.volumes = v
	return v, nil
}

// run is the pod's lifecycle: init containers in order, then all containers in parallel, until the
// pod is deleted (or the agent stops).
func (w *podWorker) run() {
	defer close(w.finished)
	go w.statusWriter()
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		log.Printf("pod %s/%s: %v", w.namespace, w.name, err)
	}
	w.a.hosts.register(w)
	defer w.a.hosts.unregister(w)
	w.publish()
	for _, r := range w.initRuns {
		if !r.supervise(w.ctx) {
			w.waitAll(nil)
			return
		}
	}
	w.mu.Lock()
	w.initialized = true
	w.mu.Unlock()
	w.publish()
	var wg sync.WaitGroup
	for _, r := range w.runs {
		wg.Add(1)
		go func(r *containerRun) { defer wg.Done(); r.supervise(w.ctx) }(r)
	}
	w.waitAll(&wg)
}

func (w *podWorker) waitAll(wg *sync.WaitGroup) {
	if wg != nil {
		wg.Wait()
	}
	<-w.ctx.Done()
}

// stopGrace is the grace period for stopping containers: the deletion's, else the pod's.
func (w *podWorker) stopGrace() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopDeadline > 0 || w.deleting {
		// Even a grace of 0 gets the SIGTERM and a moment before SIGKILL, as with the kubelet.
		return max(w.stopDeadline, 2*time.Second)
	}
	if g := w.pod.Spec.TerminationGracePeriodSeconds; g != nil {
		return time.Duration(*g) * time.Second
	}
	return 30 * time.Second
}

// terminate stops all containers with the given grace period and waits for them.
func (w *podWorker) terminate(grace time.Duration, deleting bool) {
	w.mu.Lock()
	w.stopDeadline = grace
	w.deleting = deleting
	w.mu.Unlock()
	w.stop()
	<-w.finished
}

// finishDeletion removes the pod for good once its processes are gone, like the kubelet does
// after a graceful termination: pod-scoped state goes, the API object is deleted with grace 0.
func (w *podWorker) finishDeletion() {
	_ = os.RemoveAll(w.dir)
	uid := w.uid
	zero := int64(0)
	err := w.a.node.CoreV1().Pods(w.namespace).Delete(context.Background(), w.name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		log.Printf("pod %s/%s: final delete: %v", w.namespace, w.name, err)
	}
	log.Printf("pod %s/%s removed", w.namespace, w.name)
}

// statusWriter pushes status changes to the API server, coalescing bursts.
func (w *podWorker) statusWriter() {
	for {
		select {
		case <-w.finished:
			return
		case <-w.dirty:
		}
		if err := w.writeStatus(); err != nil && !apierrors.IsNotFound(err) {
			log.Printf("pod %s/%s: status update: %v", w.namespace, w.name, err)
			time.Sleep(time.Second)
			w.publish()
		}
	}
}

func (w *podWorker) writeStatus() error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := w.a.node.CoreV1().Pods(w.namespace).Get(context.Background(), w.name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if cur.UID != w.uid {
			return nil
		}
		cur.Status = w.buildStatus(cur)
		_, err = w.a.node.CoreV1().Pods(w.namespace).UpdateStatus(context.Background(), cur, metav1.UpdateOptions{})
		return err
	})
}

func condition(t v1.PodConditionType, ok bool, reason string, gen int64, prev []v1.PodCondition) v1.PodCondition {
	status := v1.ConditionFalse
	if ok {
		status = v1.ConditionTrue
		reason = ""
	}
	c := v1.PodCondition{Type: t, Status: status, Reason: reason, LastTransitionTime: metav1.Now(), ObservedGeneration: gen}
	for _, p := range prev {
		if p.Type == t && p.Status == status {
			c.LastTransitionTime = p.LastTransitionTime
		}
	}
	return c
}

// buildStatus derives the pod status from the container runs, keeping what others own
// (PodScheduled condition, QoS class).
func (w *podWorker) buildStatus(cur *v1.Pod) v1.PodStatus {
	w.mu.Lock()
	initialized := w.initialized
	w.mu.Unlock()
	st := v1.PodStatus{
		HostIP: nodeIP, HostIPs: []v1.HostIP{{IP: nodeIP}},
		PodIP: w.ip, PodIPs: []v1.PodIP{{IP: w.ip}},
		StartTime: &w.startTime, QOSClass: cur.Status.QOSClass, ObservedGeneration: cur.Generation,
	}
	for _, r := range w.initRuns {
		st.InitContainerStatuses = append(st.InitContainerStatuses, r.snapshot())
	}
	allReady, anyRunning, neverStarted := true, false, false
	allTerminated, anyFailed := true, false
	for _, r := range w.runs {
		s := r.snapshot()
		st.ContainerStatuses = append(st.ContainerStatuses, s)
		allReady = allReady && s.Ready
		if s.State.Running != nil {
			anyRunning = true
		}
		if s.State.Terminated == nil {
			allTerminated = false
		} else if s.State.Terminated.ExitCode != 0 {
			anyFailed = true
		}
		if s.State.Waiting != nil && s.LastTerminationState.Terminated == nil && s.RestartCount == 0 {
			neverStarted = true
		}
	}
	policy := cur.Spec.RestartPolicy
	switch {
	case !initialized || neverStarted:
		st.Phase = v1.PodPending
	case allTerminated && policy != v1.RestartPolicyAlways && (policy == v1.RestartPolicyNever || !anyFailed):
		st.Phase = v1.PodSucceeded
		if anyFailed {
			st.Phase = v1.PodFailed
		}
	case anyRunning || !allTerminated:
		st.Phase = v1.PodRunning
	default:
		st.Phase = v1.PodRunning
	}
	gen := cur.Generation
	prev := cur.Status.Conditions
	ready := allReady && initialized && st.Phase == v1.PodRunning
	st.Conditions = []v1.PodCondition{
		condition(v1.PodReadyToStartContainers, true, "", gen, prev),
		condition(v1.PodInitialized, initialized, "ContainersNotInitialized", gen, prev),
		condition(v1.ContainersReady, ready, "ContainersNotReady", gen, prev),
		condition(v1.PodReady, ready, "ContainersNotReady", gen, prev),
	}
	for _, c := range prev {
		if c.Type == v1.PodScheduled {
			st.Conditions = append(st.Conditions, c)
		}
	}
	return st
}
