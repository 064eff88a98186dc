package main

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// expandVars applies Kubernetes' $(VAR) substitution: a defined $(NAME) is replaced, an undefined
// one is left as written, and $$ stands for a literal $. Any other $ is kept as it is.
func expandVars(s string, lookup func(string) (string, bool)) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 { // unterminated reference: Kubernetes writes the rest unchanged
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := lookup(name); ok && name != "" {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// orderedEnv keeps insertion order (the order the container sees) while allowing overrides.
type orderedEnv struct {
	names  []string
	values map[string]string
}

func newOrderedEnv() *orderedEnv { return &orderedEnv{values: map[string]string{}} }

func (e *orderedEnv) set(k, v string) {
	if _, ok := e.values[k]; !ok {
		e.names = append(e.names, k)
	}
	e.values[k] = v
}

func (e *orderedEnv) lookup(k string) (string, bool) { v, ok := e.values[k]; return v, ok }

func (e *orderedEnv) list() []string {
	out := make([]string, 0, len(e.names))
	for _, k := range e.names {
		out = append(out, k+"="+e.values[k])
	}
	return out
}

// containerEnv builds the environment exactly as the kubelet would: service links first, then
// envFrom, then env (each value expanded against what was defined before it).
func (w *podWorker) containerEnv(ctx context.Context, c *v1.Container) (*orderedEnv, error) {
	pod := w.currentPod()
	env := newOrderedEnv()
	for _, kv := range w.a.serviceLinkEnv(pod) {
		env.set(kv[0], kv[1])
	}
	for _, from := range c.EnvFrom {
		var data map[string]string
		switch {
		case from.ConfigMapRef != nil:
			cm, err := w.a.node.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, from.ConfigMapRef.Name, metav1.GetOptions{})
			if err != nil {
				if isOptional(from.ConfigMapRef.Optional) {
					continue
				}
				return nil, fmt.Errorf("configmap %q: %w", from.ConfigMapRef.Name, err)
			}
			data = cm.Data
		case from.SecretRef != nil:
			s, err := w.a.node.CoreV1().Secrets(pod.Namespace).Get(ctx, from.SecretRef.Name, metav1.GetOptions{})
			if err != nil {
				if isOptional(from.SecretRef.Optional) {
					continue
				}
				return nil, fmt.Errorf("secret %q: %w", from.SecretRef.Name, err)
			}
			data = map[string]string{}
			for k, v := range s.Data {
				data[k] = string(v)
			}
		}
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			env.set(from.Prefix+k, data[k])
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env.set(e.Name, expandVars(e.Value, env.lookup))
			continue
		}
		v, skip, err := w.envValueFrom(ctx, pod, c, e.ValueFrom)
		if err != nil {
			return nil, fmt.Errorf("env %s: %w", e.Name, err)
		}
		if !skip {
			env.set(e.Name, v)
		}
	}
	// The container runtime, not the kubelet, adds these two (from the image and the hostname).
	if _, ok := env.lookup("PATH"); !ok {
		env.set("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	}
	if _, ok := env.lookup("HOSTNAME"); !ok {
		env.set("HOSTNAME", podHostname(pod))
	}
	return env, nil
}

func isOptional(b *bool) bool { return b != nil && *b }

func (w *podWorker) envValueFrom(ctx context.Context, pod *v1.Pod, c *v1.Container, src *v1.EnvVarSource) (string, bool, error) {
	switch {
	case src.FieldRef != nil:
		v, err := w.fieldValue(pod, src.FieldRef.FieldPath)
		return v, false, err
	case src.ResourceFieldRef != nil:
		v, err := resourceValue(pod, c, src.ResourceFieldRef)
		return v, false, err
	case src.ConfigMapKeyRef != nil:
		r := src.ConfigMapKeyRef
		cm, err := w.a.node.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
		if err != nil {
			if isOptional(r.Optional) {
				return "", true, nil
			}
			return "", false, fmt.Errorf("configmap %q: %w", r.Name, err)
		}
		if v, ok := cm.Data[r.Key]; ok {
			return v, false, nil
		}
		if v, ok := cm.BinaryData[r.Key]; ok {
			return string(v), false, nil
		}
		if isOptional(r.Optional) {
			return "", true, nil
		}
		return "", false, fmt.Errorf("key %q not found in configmap %q", r.Key, r.Name)
	case src.SecretKeyRef != nil:
		r := src.SecretKeyRef
		s, err := w.a.node.CoreV1().Secrets(pod.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
		if err != nil {
			if isOptional(r.Optional) {
				return "", true, nil
			}
			return "", false, fmt.Errorf("secret %q: %w", r.Name, err)
		}
		if v, ok := s.Data[r.Key]; ok {
			return string(v), false, nil
		}
		if isOptional(r.Optional) {
			return "", true, nil
		}
		return "", false, fmt.Errorf("key %q not found in secret %q", r.Key, r.Name)
	}
	return "", false, fmt.Errorf("unsupported valueFrom")
}

// fieldValue resolves the downward-API field paths the kubelet supports.
func (w *podWorker) fieldValue(pod *v1.Pod, path string) (string, error) {
	if strings.HasPrefix(path, "metadata.labels['") || strings.HasPrefix(path, "metadata.annotations['") {
		open := strings.Index(path, "['")
		key := strings.TrimSuffix(path[open+2:], "']")
		if strings.HasPrefix(path, "metadata.labels") {
			return pod.Labels[key], nil
		}
		return pod.Annotations[key], nil
	}
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "metadata.labels":
		return formatMap(pod.Labels), nil
	case "metadata.annotations":
		return formatMap(pod.Annotations), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.hostIP", "status.hostIPs":
		return nodeIP, nil
	case "status.podIP", "status.podIPs":
		return w.ip, nil
	}
	return "", fmt.Errorf("unsupported fieldRef %q", path)
}

func formatMap(m map[string]string) string {
	return labels.FormatLabels(m)
}

// resourceValue renders requests/limits like the kubelet: rounded up in units of the divisor;
// an unset limit falls back to the node's allocatable.
func resourceValue(pod *v1.Pod, c *v1.Container, r *v1.ResourceFieldSelector) (string, error) {
	if r.ContainerName != "" {
		for i := range pod.Spec.Containers {
			if pod.Spec.Containers[i].Name == r.ContainerName {
				c = &pod.Spec.Containers[i]
			}
		}
	}
	parts := strings.SplitN(r.Resource, ".", 2)
	if len(parts) != 2 {
		return "", fmt.Errorf("unsupported resourceFieldRef %q", r.Resource)
	}
	list := c.Resources.Limits
	if parts[0] == "requests" {
		list = c.Resources.Requests
	}
	q, ok := list[v1.ResourceName(parts[1])]
	if !ok {
		q = nodeAllocatable()[v1.ResourceName(parts[1])]
	}
	divisor := r.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	v := math.Ceil(float64(q.MilliValue()) / float64(divisor.MilliValue()))
	return strconv.FormatInt(int64(v), 10), nil
}

// serviceLinkEnv returns the docker-link style variables Kubernetes injects for every Service in the
// pod's namespace (unless enableServiceLinks is false) plus the always-present KUBERNETES_* ones.
// They matter here: a Service named rivven-x yields RIVVEN_X_* variables next to rivvend's own
// RIVVEN_* settings, exactly as on a real cluster.
//
// One Service is emulated: default/kubernetes. Its ClusterIP (10.96.0.1:443) would need kube-proxy,
// which the testbed does not have, so its variables carry the API server's real address instead
// (the agent's kubeconfig server, 127.0.0.1:16443 by default; the serving certificate covers
// 127.0.0.1), as if the Service were that address: KUBERNETES_SERVICE_HOST/PORT, which in-cluster
// clients (client-go, kube-rs) read, then reach the real API server.
func (a *agent) serviceLinkEnv(pod *v1.Pod) [][2]string {
	var out [][2]string
	services := a.hosts.servicesIn(pod.Namespace)
	if pod.Namespace != "default" {
		for _, s := range a.hosts.servicesIn("default") {
			if s.Name == "kubernetes" {
				services = append(services, s)
			}
		}
	}
	links := pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks
	sort.Slice(services, func(i, j int) bool { return services[i].Name < services[j].Name })
	for _, s := range services {
		ip, ports := s.Spec.ClusterIP, s.Spec.Ports
		if ip == "" || ip == v1.ClusterIPNone || len(ports) == 0 {
			continue
		}
		master := s.Namespace == "default" && s.Name == "kubernetes"
		if !links && !master {
			continue
		}
		if master && a.apiServerHost != "" { // kube-proxy emulation, see above
			ip, ports = a.apiServerHost, nil
			for _, p := range s.Spec.Ports {
				p.Port = int32(a.apiServerPort)
				ports = append(ports, p)
			}
		}
		name := strings.ToUpper(strings.ReplaceAll(s.Name, "-", "_"))
		p0 := ports[0]
		out = append(out, [2]string{name + "_SERVICE_HOST", ip}, [2]string{name + "_SERVICE_PORT", strconv.Itoa(int(p0.Port))})
		for _, p := range ports {
			if p.Name != "" {
				out = append(out, [2]string{name + "_SERVICE_PORT_" + strings.ToUpper(strings.ReplaceAll(p.Name, "-", "_")), strconv.Itoa(int(p.Port))})
			}
		}
		proto := strings.ToLower(string(p0.Protocol))
		out = append(out, [2]string{name + "_PORT", fmt.Sprintf("%s://%s:%d", proto, ip, p0.Port)})
		for _, p := range ports {
			proto := string(p.Protocol)
			prefix := fmt.Sprintf("%s_PORT_%d_%s", name, p.Port, proto)
			out = append(out,
				[2]string{prefix, fmt.Sprintf("%s://%s:%d", strings.ToLower(proto), ip, p.Port)},
				[2]string{prefix + "_PROTO", strings.ToLower(proto)},
				[2]string{prefix + "_PORT", strconv.Itoa(int(p.Port))},
				[2]string{prefix + "_ADDR", ip})
		}
	}
	return out
}
